"""The web application: JSON API, server-rendered dashboard, and channel webhooks (``o2c serve``).

Entry point only: routes parse input, check the caller's role, call a use case inside one unit of
work with the user as the actor, and render the result. No business rule lives here.
"""
