"""Single Logout at the mock Okta org (SAML Core 3.7, Bindings 3.4/3.5, Profiles 4.4).

``messages`` reads and writes LogoutRequest/LogoutResponse, ``bindings`` checks the SP's signatures (query
signature on HTTP-Redirect, enveloped on HTTP-POST) and signs Okta's own messages, ``views`` is the app's
``/slo/saml`` endpoint and the dashboard's Sign out.
"""
