"""The protocol user agent: a browser-like client over real HTTP, the two SSO flows, traces and outcomes."""
