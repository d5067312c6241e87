"""Pure domain logic of utility_cost.

Nothing in this package imports Home Assistant or does I/O, and nothing reads the
clock: every function that depends on time takes the instant as an argument. All
instants are aware datetimes in UTC (Python subtracts two datetimes that share a
local tzinfo by wall clock, which is wrong across DST); local time (a tariff band, a
day boundary) is computed from a time zone (``tzinfo``) that the caller passes in.
"""
