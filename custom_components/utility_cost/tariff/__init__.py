"""What every tariff shares: its coordinator, entities, diagnostics and the link meters price through."""
