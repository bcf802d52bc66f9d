"""The public front door: the home page and each agency's page.

It sits on top of the domain apps (it reads events' queries and core's agencies), so core
itself imports no domain app.
"""
