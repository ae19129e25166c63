"""The application: the factory that wires every concern, health, the OpenAPI description."""
