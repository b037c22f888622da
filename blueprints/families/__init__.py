"""Family files (guardians, children, contacts) and enrolments, as agents keep them: service.py owns those
writes, rules.py the pure rules (dossier numbers, birth dates, enrolments), wording.py their French. No routes
here: the back office calls the service."""
