"""Tests that need Home Assistant: entities, flows, the recorder, restarts."""
