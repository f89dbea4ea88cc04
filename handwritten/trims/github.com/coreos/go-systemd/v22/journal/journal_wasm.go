package journal

import "errors"

// A browser has no journald socket: the journal is never enabled on wasm.

func Enabled() bool {
	return false
}

func Send(message string, priority Priority, vars map[string]string) error {
	return errors.New("could not initialize socket to journald")
}

func StderrIsJournalStream() (bool, error) {
	return false, nil
}

func StdoutIsJournalStream() (bool, error) {
	return false, nil
}
