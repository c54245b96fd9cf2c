package handlers

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"policytracker/models"
	"policytracker/models/markdown"
)

// MentionView is a note that mentions the reader, with its item.
type MentionView struct {
	NoteView
	Rec models.RecRef
}

type mentionsPage struct {
	Base
	Mentions []MentionView
	Total    int64
	Pager    Pager
	Handles  []string
}

// showMentions lists the notes that mention the signed-in user, newest
// first.
func (s *Server) showMentions(c *fiber.Ctx) error {
	ctx := c.UserContext()
	u := currentUser(c)
	pg, _ := strconv.Atoi(c.Query("page"))
	res, err := s.store.MentionsOf(ctx, u, pg, models.DefaultPerPage)
	if err != nil {
		return err
	}
	dir, err := s.store.NoteDirectory(ctx)
	if err != nil {
		return err
	}
	refs, err := s.store.RecommendationRefs(ctx)
	if err != nil {
		return err
	}
	page := &mentionsPage{Base: s.base(c, "Mentions of you"), Total: res.Total}
	for _, h := range models.HandleList(dir) {
		if h.UserID == u.ID {
			page.Handles = append(page.Handles, "@"+h.Handle)
		}
	}
	for i := range res.Items {
		n := &res.Items[i]
		page.Mentions = append(page.Mentions, MentionView{
			NoteView: NoteView{Note: *n, HTML: markdown.Render(n.Body, dir)},
			Rec:      refs[n.RecommendationID],
		})
	}
	q := cloneQuery(c)
	q.Del("page")
	page.Pager = Pager{Page: res.Page, Pages: res.Pages(), Query: q, Path: "/mentions"}
	return s.renderPage(c, "mentions", page)
}
