"""The employment service's view: residents brought into paid work, city-wide, per station, per enterprise."""
