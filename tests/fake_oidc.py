"""A local fake OpenID Connect provider (never a real one) for the FranceConnect tests: discovery, authorize (it
answers at once with a code, as if the person had chosen an identity), token (an RS256 ID token with the nonce
it was given), JWKS. Served by werkzeug on 127.0.0.1 in a thread; `identity` is who "logs in" next."""

from __future__ import annotations

import secrets
import threading
import time
from urllib.parse import urlencode

from flask import Flask, jsonify, redirect, request
from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server

CLIENT_ID, CLIENT_SECRET = "portail-test", "secret-de-test"


class FakeProvider:
    def __init__(self):
        self.key = RSAKey.generate_key(2048, parameters={"kid": "k1"})
        self.identity = {"sub": "fc-sub-1", "given_name": "Camille", "family_name": "Martin",
                         "email": "camille@example.org"}
        self.codes: dict[str, dict] = {}
        self.tamper: dict = {}  # claims to override in the next ID token (wrong audience, nonce...)
        self.acr_values: list[str] = []
        app = Flask("fake-oidc")
        app.add_url_rule("/.well-known/openid-configuration", view_func=self.discovery)
        app.add_url_rule("/authorize", view_func=self.authorize)
        app.add_url_rule("/token", view_func=self.token, methods=["POST"])
        app.add_url_rule("/jwks", view_func=self.jwks)
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.thread.join(timeout=5)

    def discovery(self):
        return jsonify({"issuer": self.url, "authorization_endpoint": f"{self.url}/authorize",
                        "token_endpoint": f"{self.url}/token", "jwks_uri": f"{self.url}/jwks",
                        "response_types_supported": ["code"], "subject_types_supported": ["public"],
                        "id_token_signing_alg_values_supported": ["RS256"],
                        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"]})

    def authorize(self):
        args = request.args
        assert args["client_id"] == CLIENT_ID and args["response_type"] == "code"
        self.acr_values.append(args.get("acr_values", ""))
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"nonce": args.get("nonce"), "redirect_uri": args["redirect_uri"],
                            "identity": dict(self.identity)}
        return redirect(f"{args['redirect_uri']}?{urlencode({'code': code, 'state': args['state']})}")

    def token(self):
        auth = request.authorization
        client = (auth.username, auth.password) if auth else (request.form.get("client_id"),
                                                              request.form.get("client_secret"))
        if client != (CLIENT_ID, CLIENT_SECRET):
            return jsonify({"error": "invalid_client"}), 401
        grant = self.codes.pop(request.form.get("code", ""), None)
        if grant is None or grant["redirect_uri"] != request.form.get("redirect_uri"):
            return jsonify({"error": "invalid_grant"}), 400
        now = int(time.time())
        claims = {"iss": self.url, "aud": CLIENT_ID, "iat": now, "exp": now + 60, "nonce": grant["nonce"],
                  "acr": "eidas1", **grant["identity"], **self.tamper}
        id_token = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, self.key)
        return jsonify({"access_token": secrets.token_urlsafe(16), "token_type": "Bearer", "expires_in": 60,
                        "id_token": id_token})

    def jwks(self):
        return jsonify({"keys": [self.key.as_dict(private=False)]})
