package handlers

import (
	"fmt"
	"strconv"
	"strings"

	"policytracker/models"
)

// EventView is a history entry with its sentence, ready for a template.
// Detail is text the entry keeps (a note as written, or as it was before an
// edit or deletion), shown folded under DetailLabel.
type EventView struct {
	models.Event
	Text        string
	Detail      string
	DetailLabel string
}

// eventViews words events for people; names resolves owner ids.
func eventViews(evs []models.Event, names map[int64]string) []EventView {
	out := make([]EventView, len(evs))
	for i, e := range evs {
		out[i] = EventView{Event: e, Text: describeEvent(e, names)}
		switch e.Kind {
		case "note_added":
			out[i].Detail, out[i].DetailLabel = e.NewValue, "Text"
		case "note_edited":
			out[i].Detail, out[i].DetailLabel = e.OldValue, "Text before the edit"
		case "note_deleted":
			out[i].Detail, out[i].DetailLabel = e.OldValue, "Deleted text"
		}
	}
	return out
}

func fieldValue(field, v string, names map[int64]string) string {
	if v == "" {
		return "none"
	}
	switch field {
	case "status":
		return models.Status(v).Label()
	case "priority":
		return models.Priority(v).Label()
	case "progress":
		return v + "%"
	case "owner":
		id, _ := strconv.ParseInt(v, 10, 64)
		if n, ok := names[id]; ok {
			return n
		}
		return "user #" + v
	}
	return v
}

var fieldNames = map[string]string{
	"status": "status", "progress": "progress", "priority": "priority", "owner": "owner",
	"due_date": "due date", "tags": "tags", "review_requested": "review request",
}

func describeEvent(e models.Event, names map[int64]string) string {
	switch e.Kind {
	case "created":
		return "added the item from the report's catalog"
	case "catalog_updated":
		return "updated the report text of the item (catalog revision)"
	case "field", "closed", "reopened":
		if e.Field == "review_requested" {
			if e.NewValue == "true" {
				return "requested a review"
			}
			return "cleared the review request"
		}
		verb := "changed"
		switch e.Kind {
		case "closed":
			verb = "closed the item:"
		case "reopened":
			verb = "reopened the item:"
		}
		return fmt.Sprintf("%s %s from %s to %s", verb, fieldNames[e.Field], fieldValue(e.Field, e.OldValue, names), fieldValue(e.Field, e.NewValue, names))
	case "note_added":
		return "added a note"
	case "note_edited":
		return "edited a note"
	case "note_deleted":
		return "deleted a note"
	case "evidence_added":
		return "added evidence: " + e.NewValue
	case "evidence_verified":
		return "verified evidence: " + e.NewValue
	case "evidence_rejected":
		return "rejected evidence: " + e.NewValue
	case "evidence_removed":
		return "removed evidence: " + e.NewValue
	case "review_requested":
		return "requested a review"
	case "review_cleared":
		return "cleared the review request"
	case "login":
		return "signed in"
	case "login_failed":
		return "failed sign-in for " + e.NewValue
	case "user_created":
		return "created the account " + e.NewValue
	case "role_changed":
		return fmt.Sprintf("changed the role of %s from %s to %s", e.Reason, e.OldValue, e.NewValue)
	case "user_disabled":
		return "disabled the account " + e.NewValue
	case "user_enabled":
		return "enabled the account " + e.NewValue
	case "password_changed":
		return "changed a password"
	case "token_created":
		return "created the API token “" + e.NewValue + "”"
	case "token_revoked":
		return "revoked the API token “" + e.NewValue + "”"
	}
	return strings.ReplaceAll(e.Kind, "_", " ")
}
