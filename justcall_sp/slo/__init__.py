"""JustCall's Single Logout with Okta (SAML Core 3.7, Bindings 3.4/3.5, Profiles 4.4).

``messages`` builds and reads LogoutRequest/LogoutResponse and signs the HTTP-Redirect query, ``checks`` holds
every check on what Okta sends (each under its spec clause), ``store`` the message IDs and session ends in the
database, ``logout`` the two flows in one transaction each, ``views`` the thin Flask views.
"""
