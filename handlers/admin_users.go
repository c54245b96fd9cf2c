package handlers

import (
	"crypto/rand"
	"errors"
	"math/big"

	"github.com/gofiber/fiber/v2"

	"policytracker/models"
)

type userForm struct{ Name, Email, Role string }

type usersPage struct {
	Base
	Users        []models.User
	Roles        []models.Role
	Form         userForm
	Errors       map[string]string
	Generated    string
	GeneratedFor string
}

func (s *Server) usersPage(c *fiber.Ctx) (*usersPage, error) {
	if !models.CanAdminister(currentUser(c)) {
		return nil, models.Forbidden("Only admins manage the team.")
	}
	page := &usersPage{Base: s.base(c, "Team"), Roles: models.Roles, Form: userForm{Role: string(models.RoleMember)}}
	page.Nav = "admin"
	var err error
	page.Users, err = s.store.Users(c.UserContext())
	return page, err
}

func (s *Server) listUsers(c *fiber.Ctx) error {
	page, err := s.usersPage(c)
	if err != nil {
		return err
	}
	return s.renderPage(c, "users", page)
}

func (s *Server) addUser(c *fiber.Ctx) error {
	page, err := s.usersPage(c)
	if err != nil {
		return err
	}
	page.Form = userForm{Name: c.FormValue("name"), Email: c.FormValue("email"), Role: c.FormValue("role")}
	pw := c.FormValue("password")
	generated := pw == ""
	if generated {
		pw = generatePassword()
	}
	u, err := s.store.CreateUser(c.UserContext(), currentUser(c), models.NewUser{Name: page.Form.Name, Email: page.Form.Email, Role: models.Role(page.Form.Role), Password: pw})
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		page.Errors = ve.Fields
		c.Status(fiber.StatusUnprocessableEntity)
		return s.renderPage(c, "users", page)
	}
	if err != nil {
		return err
	}
	if !generated {
		return s.redirectWith(c, "/admin/users", "ok", "Added "+u.Name+".")
	}
	page, err = s.usersPage(c)
	if err != nil {
		return err
	}
	page.Generated, page.GeneratedFor = pw, u.Email
	return s.renderPage(c, "users", page)
}

func (s *Server) setUserRole(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	u, err := s.store.SetRole(c.UserContext(), currentUser(c), id, models.Role(c.FormValue("role")))
	if err != nil {
		return s.adminFail(c, err)
	}
	return s.redirectWith(c, "/admin/users", "ok", u.Name+" is now "+u.Role.Label()+".")
}

func (s *Server) disableUser(c *fiber.Ctx) error { return s.toggleUser(c, true) }
func (s *Server) enableUser(c *fiber.Ctx) error  { return s.toggleUser(c, false) }

func (s *Server) toggleUser(c *fiber.Ctx, disabled bool) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	u, err := s.store.SetDisabled(c.UserContext(), currentUser(c), id, disabled)
	if err != nil {
		return s.adminFail(c, err)
	}
	msg := u.Name + " is enabled again."
	if disabled {
		msg = u.Name + " is disabled; their sessions and tokens have ended."
	}
	return s.redirectWith(c, "/admin/users", "ok", msg)
}

func (s *Server) resetPassword(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if !models.CanAdminister(currentUser(c)) {
		return models.Forbidden("Only admins reset passwords.")
	}
	target, err := s.store.User(c.UserContext(), id)
	if err != nil {
		return err
	}
	pw := generatePassword()
	if err := s.store.SetPassword(c.UserContext(), currentUser(c), id, pw, 0); err != nil {
		return err
	}
	page, err := s.usersPage(c)
	if err != nil {
		return err
	}
	page.Generated, page.GeneratedFor = pw, target.Email
	return s.renderPage(c, "users", page)
}

// adminFail shows a rule refusal (last admin, bad role) on the team page.
func (s *Server) adminFail(c *fiber.Ctx, err error) error {
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		for _, m := range ve.Fields {
			return s.redirectWith(c, "/admin/users", "error", m)
		}
	}
	return err
}

// generatePassword makes a 20-character password from an unambiguous
// alphabet (about 115 bits).
func generatePassword() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 20)
	for i := range b {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		if err != nil {
			panic(err)
		}
		b[i] = alphabet[n.Int64()]
	}
	return string(b)
}
