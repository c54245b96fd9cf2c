package handlers

import "github.com/gofiber/fiber/v2"

// routes is the whole route table, in one place.
func (s *Server) routes(app *fiber.App) {
	// Public pages (with CSRF on their forms).
	app.Get("/login", s.showLogin)
	app.Post("/login", s.csrf, s.login)
	app.Get("/setup", s.showSetup)
	app.Post("/setup", s.csrf, s.setup)

	// Everything else needs a session or a token.
	api := app.Group("/api/v1", s.requireAPI, s.csrf)
	api.Get("/recommendations", s.apiListRecommendations)
	api.Get("/recommendations/:id", s.apiGetRecommendation)
	api.Patch("/recommendations/:id", s.apiUpdateRecommendation)
	api.Get("/users", s.apiListUsers)
	api.Get("/me", s.apiMe)

	web := app.Group("", s.requirePage, s.csrf)
	web.Post("/logout", s.logout)
	web.Get("/", s.showDashboard)
	web.Get("/recommendations", s.listRecommendations)
	web.Get("/recommendations/:id", s.showRecommendation)
	web.Post("/recommendations/:id", s.updateRecommendation)
	web.Get("/account", s.showAccount)
	web.Post("/account/password", s.changePassword)
	web.Post("/account/tokens", s.createToken)
	web.Post("/account/tokens/:id/revoke", s.revokeToken)
	web.Post("/account/sessions/logout-others", s.logoutOthers)
	web.Get("/admin/users", s.listUsers)
	web.Post("/admin/users", s.addUser)
	web.Post("/admin/users/:id/role", s.setUserRole)
	web.Post("/admin/users/:id/disable", s.disableUser)
	web.Post("/admin/users/:id/enable", s.enableUser)
	web.Post("/admin/users/:id/password", s.resetPassword)
}
