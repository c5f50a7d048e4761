"""termserver: versioned ICF, FFB, FSIII and intervention-catalogue vocabularies as a service."""

__version__ = "0.1.0"
