package handlers

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"policytracker/models"
)

// checkQuery refuses a query string with a value no filter can mean: text
// that is not UTF-8 or holds NUL (%00). Every page and API route reads its
// filters (q, tag, code, as_of…) from the query, and PostgreSQL answered
// such a value with an error (a 500) while SQLite cut the search at the NUL
// and matched everything. One check here covers every route's parameters.
//
// Anonymous API calls pass on to their 401: who may not ask hears that first.
func (s *Server) checkQuery(c *fiber.Ctx) error {
	if currentUser(c) == nil && isAPI(c) {
		return c.Next()
	}
	v := &models.ValidationError{}
	c.Context().QueryArgs().VisitAll(func(key, value []byte) {
		name := strings.ToValidUTF8(string(key), "\uFFFD")
		if msg := models.TextProblem(string(key)); msg != "" {
			v.Add(name, "parameter name "+msg)
		} else if msg := models.TextProblem(string(value)); msg != "" {
			v.Add(name, msg)
		}
	})
	if err := v.Err(); err != nil {
		return err
	}
	return c.Next()
}
