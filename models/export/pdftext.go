package export

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// PDF text uses fpdf's built-in Helvetica, which needs no font file at run
// time but encodes only Windows-1252. Text is transliterated first, so that
// names such as "Əliyev" or "Ağdam" print as "Eliyev" and "Agdam" rather
// than with holes; anything still unencodable becomes "?".

// cp1252Extra are the characters Windows-1252 adds at 0x80–0x9F.
const cp1252Extra = "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ"

// transliterations cover letters of the languages the report deals with
// (Azerbaijani, Turkish, Russian transliteration marks) and common symbols.
var transliterations = map[rune]string{
	'ə': "e", 'Ə': "E", 'ğ': "g", 'Ğ': "G", 'ş': "s", 'Ş': "S", 'ı': "i", 'İ': "I",
	'ł': "l", 'Ł': "L", 'đ': "d", 'Đ': "D", 'ħ': "h", 'ŋ': "ng",
	'‐': "-", '‑': "-", '‒': "-", '−': "-", '―': "—", '′': "'", '″': "\"",
	'→': "->", '←': "<-", '↔': "<->", '≤': "<=", '≥': ">=", '≠': "!=", '≈': "~",
	'№': "No.", '✓': "v", '✔': "v", '✗': "x", '\u00a0': " ", '\u202f': " ", '\u2009': " ", '\u200b': "",
}

func inCP1252(r rune) bool {
	return r < 0x80 || (r >= 0xa0 && r <= 0xff) || strings.ContainsRune(cp1252Extra, r)
}

// pdfSafe rewrites s into characters Windows-1252 can encode.
func pdfSafe(s string) string {
	clean := true
	for _, r := range s {
		if !inCP1252(r) || r == '\t' {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\t':
			b.WriteString("    ")
		case inCP1252(r):
			b.WriteRune(r)
		case transliterations[r] != "" || r == '\u200b':
			b.WriteString(transliterations[r])
		default:
			b.WriteString(decompose(r))
		}
	}
	return b.String()
}

// decompose drops accents a letter cannot keep (ǎ → a); it gives "?" when
// nothing encodable is left.
func decompose(r rune) string {
	var out []rune
	for _, x := range norm.NFD.String(string(r)) {
		if unicode.Is(unicode.Mn, x) {
			continue
		}
		out = append(out, x)
	}
	if len(out) == 0 {
		return ""
	}
	for _, x := range out {
		if !inCP1252(x) {
			return "?"
		}
	}
	return string(out)
}
