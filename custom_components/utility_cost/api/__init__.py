"""Clients of outside services. Nothing here imports Home Assistant.

Each client takes an ``aiohttp.ClientSession`` (Home Assistant's shared one at run
time), a base URL and a timeout, wraps every request in ``asyncio.timeout``, raises
its own exception tree and parses answers into typed models at the edge.
"""
