"""Import: aligning a hand-made translation with its source to fill a catalogue."""
