"""Everything that speaks LTI 1.3: login, launch, keys, registrations and (later) services."""
