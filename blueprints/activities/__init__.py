"""Activities as data agents edit (deadlines, units, periods, closures): service.py owns those writes and what
they do to reservations. No routes here: the back office calls the service."""
