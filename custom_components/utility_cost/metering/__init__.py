"""What every meter shares: its runtime (meter, tariff, store), its sensors, and the one tariff check."""
