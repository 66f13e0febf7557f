"""Single Logout at the mock Okta org (SAML Core 3.7, Bindings 3.4/3.5, Profiles 4.4).

``messages`` reads and writes LogoutRequest/LogoutResponse, ``logout`` checks the SP's messages (signatures with
``request_signature``, shared with Signed Requests) and signs Okta's own, ``settings`` holds Okta's rules for
"Enable Single Logout", ``views`` is the app's ``/slo/saml`` endpoint and the dashboard's Sign out.
"""
