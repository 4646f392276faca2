"""Schemathesis hooks for Tandem's OpenAPI description: an SDP body goes on the wire as text."""
import schemathesis

schemathesis.serializer.alias("application/sdp", "text/plain")
