package handlers

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"policytracker/models"
)

// asOfTime reads an "as of" value: a date (the end of that day in the
// instance's time zone) or an RFC 3339 time. Today means now; a later moment
// is refused, since only the past can be rebuilt from the history.
func (s *Server) asOfTime(raw string) (time.Time, error) {
	raw = strings.TrimSpace(raw)
	if len(raw) > 40 {
		return time.Time{}, models.Invalid("as_of", "is not a date (YYYY-MM-DD) or an RFC 3339 time")
	}
	t, err := models.ParseWhen(raw, s.cfg.Location)
	if err != nil {
		return time.Time{}, models.Invalid("as_of", err.Error())
	}
	// In the instance's zone, whatever the offset given: the rebuilt list
	// counts overdue days on the time's own calendar date.
	now := s.store.Now().In(s.cfg.Location)
	if t.After(now) {
		if models.ValidDate(raw) && raw == now.Format("2006-01-02") {
			return now, nil
		}
		return time.Time{}, models.Invalid("as_of", fmt.Sprintf("%s is in the future: choose today or an earlier date.", raw))
	}
	return t.In(s.cfg.Location), nil
}

type kindOption struct{ Value, Label string }

// kindLabels names each kind of change in the feed's filter.
var kindLabels = map[string]string{
	"created": "Item added", "catalog_updated": "Report text updated", "field": "Tracking field changed",
	"closed": "Item closed", "reopened": "Item reopened",
	"note_added": "Note added", "note_edited": "Note edited", "note_deleted": "Note deleted",
	"evidence_added": "Evidence added", "evidence_verified": "Evidence verified", "evidence_rejected": "Evidence rejected",
	"evidence_removed": "Evidence removed", "review_requested": "Review requested", "review_cleared": "Review request cleared",
	"login": "Sign-in", "login_failed": "Failed sign-in", "user_created": "Account created", "role_changed": "Role changed",
	"user_disabled": "Account disabled", "user_enabled": "Account enabled", "password_changed": "Password changed",
	"token_created": "API token created", "token_revoked": "API token revoked",
}

func kindOptions(kinds []string) []kindOption {
	out := make([]kindOption, 0, len(kinds))
	for _, k := range kinds {
		l := kindLabels[k]
		if l == "" {
			l = strings.ReplaceAll(k, "_", " ")
		}
		out = append(out, kindOption{Value: k, Label: l})
	}
	return out
}

// activityForm is the feed's filter as typed.
type activityForm struct {
	Person, Code, Kind, From, To string
}

// ActivityEntry is one line of the feed.
type ActivityEntry struct {
	EventView
	Rec *models.RecRef
}

type activityPage struct {
	Base
	Form         activityForm
	Entries      []ActivityEntry
	Total        int64
	Pager        Pager
	Users        []models.User
	ItemKinds    []kindOption
	AccountKinds []kindOption
	Errors       map[string]string
}

// activityFilter reads the feed's filter from the query. Account events
// (no recommendation) are only ever included for admins.
func (s *Server) activityFilter(c *fiber.Ctx) (activityForm, models.ActivityFilter, error) {
	form := activityForm{Person: c.Query("person"), Code: strings.TrimSpace(c.Query("code")), Kind: c.Query("kind"),
		From: strings.TrimSpace(c.Query("from")), To: strings.TrimSpace(c.Query("to"))}
	f := models.ActivityFilter{Kind: form.Kind, Account: models.CanAdminister(currentUser(c))}
	v := &models.ValidationError{}
	if form.Person != "" {
		id, err := models.ParseID(form.Person)
		if err != nil {
			v.Add("person", "no such team member")
		}
		f.ActorID = id
	}
	if form.Code != "" {
		rec, err := s.store.RecommendationByCode(c.UserContext(), form.Code)
		switch {
		case errors.Is(err, models.ErrNotFound):
			v.Add("code", "no recommendation has this code (codes look like R-07)")
		case err != nil:
			return form, f, err
		default:
			f.RecommendationID = rec.ID
		}
	}
	day := func(field, raw string, end bool) time.Time {
		if raw == "" {
			return time.Time{}
		}
		if !models.ValidDate(raw) {
			v.Add(field, "must be a date like 2026-03-31")
			return time.Time{}
		}
		d, _ := time.ParseInLocation("2006-01-02", raw, s.cfg.Location)
		if end {
			return d.AddDate(0, 0, 1).Add(-time.Nanosecond)
		}
		return d
	}
	f.From, f.Until = day("from", form.From, false), day("to", form.To, true)
	for k, dst := range map[string]*int{"page": &f.Page, "per_page": &f.PerPage} {
		if raw := c.Query(k); raw != "" {
			n, err := strconv.Atoi(raw)
			if err != nil || n < 1 {
				v.Add(k, "must be a whole number of 1 or more")
			}
			*dst = n
		}
	}
	if err := v.Err(); err != nil {
		return form, f, err
	}
	return form, f, f.Validate()
}

func (s *Server) showActivity(c *fiber.Ctx) error {
	ctx := c.UserContext()
	page := &activityPage{Base: s.base(c, "Activity"), ItemKinds: kindOptions(models.ItemEventKinds)}
	page.Nav = "activity"
	if models.CanAdminister(currentUser(c)) {
		page.AccountKinds = kindOptions(models.AccountEventKinds)
	}
	form, f, err := s.activityFilter(c)
	page.Form = form
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		page.Errors = ve.Fields
		c.Status(fiber.StatusUnprocessableEntity)
		f = models.ActivityFilter{Account: f.Account}
	} else if err != nil {
		return err
	}
	res, err := s.store.Activity(ctx, f)
	if err != nil {
		return err
	}
	users, err := s.store.Users(ctx)
	if err != nil {
		return err
	}
	page.Users = users
	names := map[int64]string{}
	for _, u := range users {
		names[u.ID] = u.Name
	}
	refs, err := s.store.RecommendationRefs(ctx)
	if err != nil {
		return err
	}
	for _, ev := range eventViews(res.Items, names) {
		entry := ActivityEntry{EventView: ev}
		if ev.RecommendationID != nil {
			if r, ok := refs[*ev.RecommendationID]; ok {
				entry.Rec = &r
			}
		}
		page.Entries = append(page.Entries, entry)
	}
	page.Total = res.Total
	q := cloneQuery(c)
	q.Del("page")
	page.Pager = Pager{Page: res.Page, Pages: res.Pages(), Query: q, Path: "/activity"}
	return s.renderPage(c, "activity", page)
}

// fillListAsOf fills the list page from the history when the query asks
// for a past date ("as_of"), and says whether it did. A bad or future date
// leaves today's list with the problem shown and status 422.
func (s *Server) fillListAsOf(c *fiber.Ctx, page *listPage, f models.Filter) (bool, error) {
	raw := strings.TrimSpace(c.Query("as_of"))
	if raw == "" {
		return false, nil
	}
	at, err := s.asOfTime(raw)
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		if page.Errors == nil {
			page.Errors = map[string]string{}
		}
		for k, v := range ve.Fields {
			page.Errors[k] = v
		}
		c.Status(fiber.StatusUnprocessableEntity)
		return false, nil
	}
	if err != nil {
		return false, err
	}
	l, err := s.store.RecommendationsAsOfFiltered(c.UserContext(), at, f)
	if err != nil {
		return false, err
	}
	page.AsOf = raw
	page.Result, page.StatusCounts, page.DomainCounts, page.CatalogTotal = l.Page, l.StatusCounts, l.DomainCounts, l.Existing
	return true, nil
}
