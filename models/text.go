package models

import (
	"strings"
	"unicode/utf8"
)

// TextProblem says what is wrong with text that no field may hold, or ""
// when it is fine: bytes that are not UTF-8 (a form sent in another
// encoding) and the NUL character. PostgreSQL's text type refuses both
// outright (a 500 instead of a message); SQLite keeps them, and then the
// CSV and Markdown exports are no longer UTF-8 and a search for NUL
// matches everything. JSON bodies cannot carry broken UTF-8 (the decoder
// replaces it), but they can carry \u0000; forms and query strings can
// carry both.
func TextProblem(s string) string {
	switch {
	case !utf8.ValidString(s):
		return "is not valid UTF-8 text"
	case strings.IndexByte(s, 0) >= 0:
		return "must not contain the NUL character"
	}
	return ""
}

// checkText adds TextProblem's finding for each value to v under field.
func checkText(v *ValidationError, field string, values ...string) {
	for _, s := range values {
		if msg := TextProblem(s); msg != "" {
			v.Add(field, msg)
			return
		}
	}
}
