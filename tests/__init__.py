"""Tests for the utility_cost integration."""
