"""Geography: distances on the ellipsoid, geocoding with a database cache, offline gazetteer."""
