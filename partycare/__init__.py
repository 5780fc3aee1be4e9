def __getattr__(name):
    """simple_history names the module of a history model in a models package after the app
    ("partycare.HistoricalPartyMember"): resolve those names here, so imports and pickling of
    history rows find them."""
    if name.startswith("Historical"):
        from django.apps import apps

        return apps.get_model("partycare", name)
    raise AttributeError(f"module 'partycare' has no attribute {name!r}")
