"""Test support shared by every area: the platform double, the browser, launches and the per-area worlds."""
