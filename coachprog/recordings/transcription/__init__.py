"""Speech to text: audio decoding, the Whisper engine, the transcription job."""
