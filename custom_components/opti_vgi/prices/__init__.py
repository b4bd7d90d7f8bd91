"""Price-source parsers, all normalised to (start, end, price per kWh) intervals."""
