"""What every test may use: the fake services (tests/fakes/fixtures.py).

Nothing here starts Home Assistant: the tests of the domain and of the API clients
run without it. Home Assistant's fixtures are in tests/ha/conftest.py.
"""

pytest_plugins = ["tests.fakes.fixtures"]
