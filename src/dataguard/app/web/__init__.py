"""``dataguard ui``: the review web app and the JSON API other machines ask, served by one FastAPI app.

``server`` builds the app and runs it (uvicorn); ``auth`` says who is asking (a bearer token, or the
browser's session cookie) and what they may do; ``api`` holds the JSON routes under ``/api/v1/``;
``pages`` the server-rendered pages. Every route calls the same commands as the CLI
(``dataguard.app.commands``), so a decision made in the browser is the CLI's decision.
"""
