package export

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"

	"policytracker/models"
)

// The Markdown memo is meant to be pasted into a document or an e-mail:
// headline figures, the domain table, the period's changes, then each item
// with its status, owner, latest note and evidence.

func (r *Report) writeMarkdown(ctx context.Context, w io.Writer) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	if err := r.markdownHead(bw); err != nil {
		return err
	}
	fmt.Fprintf(bw, "\n## Recommendations\n")
	if len(r.Summary.Items) == 0 {
		fmt.Fprintf(bw, "\nNo recommendation matches these filters.\n")
	}
	err := r.each(ctx, models.DetailOptions{Evidence: true}, func(batch []Item) error {
		for _, it := range batch {
			r.markdownItem(bw, it)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return bw.Flush()
}

// markdownHead writes everything before the item list.
func (r *Report) markdownHead(w *bufio.Writer) error {
	s := r.Summary
	fmt.Fprintf(w, "# Progress summary\n\n")
	fmt.Fprintf(w, "%s (generated %s).", r.period(), r.stamp(r.GeneratedAt))
	if f := r.filterText(); f != "" {
		fmt.Fprintf(w, " Filters: %s.", mdText(f))
	}
	fmt.Fprintf(w, "\n\n## Headline figures\n\n")
	fmt.Fprintf(w, "- **%d** recommendations: **%d** implemented (%s), **%d** open, **%d** closed\n", s.Total, s.Implemented, pctText(s.ImplementedPct), s.Open, s.Closed)
	fmt.Fprintf(w, "- Average progress: **%s**\n", pctText(s.AvgProgress))
	fmt.Fprintf(w, "- Overdue: **%d** · Awaiting review: **%d**\n", s.Overdue, s.AwaitingReview)

	fmt.Fprintf(w, "\n## By status\n\n| Status | Items |\n|---|---:|\n")
	for _, st := range s.ByStatus {
		fmt.Fprintf(w, "| %s | %d |\n", st.Label, st.Count)
	}
	fmt.Fprintf(w, "\n## By domain\n\n")
	if len(s.ByDomain) == 0 {
		fmt.Fprintf(w, "No items.\n")
	} else {
		fmt.Fprintf(w, "| Domain | Items | Average progress | Implemented |\n|---|---:|---:|---:|\n")
		for _, d := range s.ByDomain {
			fmt.Fprintf(w, "| %s | %d | %s | %d (%s) |\n", mdCell(d.Label), d.Count, pctText(d.AvgProgress), d.Implemented, pctText(d.ImplementedPct))
		}
	}
	fmt.Fprintf(w, "\n## Changes since %s\n\n%s.\n", r.stamp(r.opt.Since), changeCounts(s.Changes))
	if len(s.Changes.Entries) > 0 {
		fmt.Fprintln(w)
		for _, e := range s.Changes.Entries {
			fmt.Fprintf(w, "- %s — **%s** %s: %s", r.stamp(e.At), e.Code, mdText(oneLine(e.Title)), mdText(e.Text()))
			if e.Actor != "" {
				fmt.Fprintf(w, " (%s)", mdText(e.Actor))
			}
			if e.Reason != "" {
				fmt.Fprintf(w, " — “%s”", mdText(oneLine(e.Reason)))
			}
			fmt.Fprintln(w)
		}
		if s.Changes.Truncated {
			fmt.Fprintf(w, "- … the %d most recent changes are listed; the counts above cover all of them.\n", len(s.Changes.Entries))
		}
	}
	return nil
}

func (r *Report) markdownItem(w *bufio.Writer, it Item) {
	fmt.Fprintf(w, "\n### %s %s\n\n", it.Code, mdText(oneLine(it.Title)))
	fmt.Fprintf(w, "- **Status:** %s (%d%%) · **Priority:** %s · **Domain:** %s\n", it.Status.Label(), it.Progress, it.Priority.Label(), it.DomainLabel())
	owner := "nobody yet"
	if it.Owner != nil {
		owner = mdText(it.Owner.Name)
	}
	due := "none"
	if it.DueDate != "" {
		due = it.DueDate
		if it.Overdue(r.opt.AsOf) {
			due += " (overdue)"
		}
	}
	fmt.Fprintf(w, "- **Owner:** %s · **Due:** %s\n", owner, due)
	fmt.Fprintf(w, "- **Notes:** %d · **Evidence:** %d (%d verified)\n", it.NoteCount, it.EvidenceCount, it.VerifiedCount)
	if n := it.LatestNote; n != nil {
		fmt.Fprintf(w, "- **Latest note** (%s, %s):\n\n", mdText(userName(n.Author)), r.stamp(n.CreatedAt))
		for _, line := range strings.Split(strings.TrimSpace(n.Body), "\n") {
			// The note stays Markdown, but raw HTML in it must not render.
			fmt.Fprintf(w, "  > %s\n", strings.ReplaceAll(strings.TrimRight(line, "\r"), "<", `\<`))
		}
		fmt.Fprintln(w)
	}
	if len(it.Evidence) > 0 {
		fmt.Fprintf(w, "- **Evidence:**\n")
		for i := range it.Evidence {
			e := &it.Evidence[i]
			fmt.Fprintf(w, "  - [%s] %s", evidenceState(e), mdText(oneLine(e.Title)))
			switch {
			case e.URL != "" && safeURL(e.URL):
				fmt.Fprintf(w, " — <%s>", e.URL)
			case e.Citation != "":
				fmt.Fprintf(w, " — %s", mdText(oneLine(e.Citation)))
			case e.Filename != "":
				fmt.Fprintf(w, " — file %s (SHA-256 %s)", mdText(e.Filename), e.SHA256)
			}
			fmt.Fprintf(w, " (added by %s", mdText(userName(e.AddedBy)))
			if e.VerifiedBy != nil {
				fmt.Fprintf(w, ", verified by %s", mdText(e.VerifiedBy.Name))
			}
			fmt.Fprintln(w, ")")
		}
	}
}

// mdText keeps user text from turning into markup it did not mean (HTML,
// links, emphasis) when the memo is rendered.
var mdEscaper = strings.NewReplacer(`\`, `\\`, "<", `\<`, ">", `\>`, "[", `\[`, "]", `\]`, "*", `\*`, "_", `\_`, "`", "\\`", "|", `\|`)

func mdText(s string) string { return mdEscaper.Replace(s) }

func mdCell(s string) string { return mdText(oneLine(s)) }

// safeURL admits only web links into the memo's autolinks.
func safeURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && !strings.ContainsAny(s, "<> \n")
}
