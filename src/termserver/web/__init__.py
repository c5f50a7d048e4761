"""Server-rendered Danish pages for caseworkers."""
