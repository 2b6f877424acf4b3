"""Interop: real third-party OAuth clients get tokens from a running `keyward serve`,
and PyJWT verifies them with the published JWKS.

Environment: KEYWARD_URL (the server), KEYWARD_CLIENT_ID, KEYWARD_CLIENT_SECRET
(an application holding ess:account=read), KEYWARD_AUDIENCE.
Exits non-zero with a message on the first failure.
"""

import os
import sys

import jwt
import requests
from authlib.integrations.requests_client import OAuth2Session as AuthlibSession
from oauthlib.oauth2 import BackendApplicationClient
from requests_oauthlib import OAuth2Session

# oauthlib refuses plain HTTP unless told; the test server is on loopback.
os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"

url = os.environ["KEYWARD_URL"].rstrip("/")
client_id = os.environ["KEYWARD_CLIENT_ID"]
secret = os.environ["KEYWARD_CLIENT_SECRET"]
audience = os.environ["KEYWARD_AUDIENCE"]
token_url = url + "/oauth2/token"


def verify(name, token, scope):
    jwks = jwt.PyJWKClient(url + "/.well-known/jwks.json")
    key = jwks.get_signing_key_from_jwt(token)
    claims = jwt.decode(
        token,
        key.key,
        algorithms=["EdDSA"],
        audience=audience,
        issuer=url,
        options={"require": ["exp", "iat", "iss", "sub", "aud", "jti"]},
    )
    header = jwt.get_unverified_header(token)
    assert header["typ"] == "at+jwt", header
    assert claims["sub"] == client_id and claims["client_id"] == client_id, claims
    assert claims["scope"] == scope, (claims["scope"], scope)
    print(f"interop: {name}: token verified with PyJWT via the JWKS")


# requests-oauthlib, BackendApplicationClient (client credentials), HTTP Basic.
session = OAuth2Session(client=BackendApplicationClient(client_id=client_id))
tok = session.fetch_token(token_url=token_url, client_id=client_id, client_secret=secret)
assert tok["token_type"] == "Bearer" and tok["expires_in"] == 3600, tok
verify("requests-oauthlib (basic)", tok["access_token"], "ess:account:read")

# requests-oauthlib with the credentials in the body and a scope.
session = OAuth2Session(client=BackendApplicationClient(client_id=client_id, scope=["ess:account:read"]))
tok = session.fetch_token(
    token_url=token_url, client_id=client_id, client_secret=secret, include_client_id=True
)
verify("requests-oauthlib (body)", tok["access_token"], "ess:account:read")

# authlib, both client authentication methods.
for method in ("client_secret_basic", "client_secret_post"):
    s = AuthlibSession(client_id, secret, scope="ess:account:read", token_endpoint_auth_method=method)
    tok = s.fetch_token(token_url, grant_type="client_credentials")
    assert tok["token_type"] == "Bearer", tok
    verify(f"authlib ({method})", tok["access_token"], "ess:account:read")

# A wrong secret is refused the OAuth way.
s = AuthlibSession(client_id, "wrong", token_endpoint_auth_method="client_secret_basic")
try:
    s.fetch_token(token_url, grant_type="client_credentials")
except Exception as e:  # authlib raises OAuthError with the server's error code
    assert "invalid_client" in str(e), e
else:
    sys.exit("interop: a wrong secret got a token")

# The same with the secret in the body: a 401 without a challenge, so the client
# reports invalid_client rather than an HTTP authentication problem.
s = AuthlibSession(client_id, "wrong", token_endpoint_auth_method="client_secret_post")
try:
    s.fetch_token(token_url, grant_type="client_credentials")
except Exception as e:
    assert "invalid_client" in str(e), e
else:
    sys.exit("interop: a wrong secret in the body got a token")
reply = requests.post(
    token_url,
    data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": "wrong"},
    timeout=10,
)
assert reply.status_code == 401 and reply.json()["error"] == "invalid_client", reply.text
assert "WWW-Authenticate" not in reply.headers, reply.headers

# RFC 8414 metadata is what clients discover.
meta = requests.get(url + "/.well-known/oauth-authorization-server", timeout=10).json()
assert meta["token_endpoint"] == token_url, meta
print("interop: all clients passed")
