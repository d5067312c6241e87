"""Local fakes of outside services, speaking their real protocols."""
