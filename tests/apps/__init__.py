"""Throwaway apps that use the spine's extension points the way returns, loyalty and feedback will:
installed by the test settings only, never edited into notifications."""
