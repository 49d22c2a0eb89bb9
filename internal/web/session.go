package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/waymark/waymark"
)

// loginSlowdown is how long a login from a busy address waits before its
// password is checked: the address's allowance is spent (an office of many
// people behind one address, or someone trying many emails), so attempts
// are slowed, one at a time, rather than refused.
const loginSlowdown = time.Second

// sessionCookie holds the secret of an internal user's session.
const sessionCookie = "waymark_session"

// sessionUser returns the user of the request's session, or an
// EUNAUTHORIZED error.
func (h *Handler) sessionUser(r *http.Request) (*waymark.User, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" || len(c.Value) > 200 {
		return nil, waymark.Errorf(waymark.EUNAUTHORIZED, "Please log in.")
	}
	return h.access.SessionUser(r.Context(), c.Value)
}

func (h *Handler) setSessionCookie(w http.ResponseWriter, secret string, maxAge time.Duration) {
	c := &http.Cookie{
		Name:     sessionCookie,
		Value:    secret,
		Path:     "/",
		HttpOnly: true, // no script may read it
		Secure:   h.secure,
		SameSite: http.SameSiteLaxMode, // sent when following a link here, not on cross-site posts
	}
	if maxAge > 0 {
		c.MaxAge = int(maxAge.Seconds())
	} else {
		c.MaxAge = -1
	}
	http.SetCookie(w, c)
}

// loginPage is the data of the login page.
type loginPage struct {
	Email string
	Next  string
	Error string
}

// loginForm shows the login form, or goes on to next when the user is
// logged in already.
func (h *Handler) loginForm(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	if _, err := h.sessionUser(r); err == nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	h.render(w, r, http.StatusOK, "login", page{Title: "Log in", Data: loginPage{Next: next}})
}

// login checks an email and password and starts a session. Failed attempts
// are limited per client and per email; the answer never tells whether the
// email belongs to a user.
func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		h.render(w, r, http.StatusBadRequest, "login", page{Title: "Log in", Data: loginPage{
			Next: "/", Error: "The form could not be read. Please try again.",
		}})
		return
	}
	email := strings.TrimSpace(r.PostForm.Get("email"))
	password := r.PostForm.Get("password")
	data := loginPage{Email: email, Next: safeNext(r.PostForm.Get("next"))}
	if email == "" || password == "" {
		data.Error = "Enter your email and your password."
		h.render(w, r, http.StatusUnprocessableEntity, "login", page{Title: "Log in", Data: data})
		return
	}

	// Failed attempts are limited per address and email: guesses at an
	// email from one address are refused after a few, while its owner,
	// elsewhere, still gets in. An address that used up its own, larger
	// allowance (many emails tried) is slowed down, not refused, so that
	// the right password still works from it.
	client := clientKey(r.RemoteAddr)
	okPair, cancelPair := h.byClientEmail.reserve(client + " " + emailKey(email))
	if !okPair {
		h.tooManyLogins(w, r, data)
		return
	}
	okClient, cancelClient := h.byClient.reserve(client)
	if !okClient {
		release, ok := h.slowLane.enter(client)
		if !ok { // one slowed attempt at a time per address
			cancelPair()
			h.tooManyLogins(w, r, data)
			return
		}
		h.log.Warn("web: login slowed down", "client", client)
		t := time.NewTimer(h.loginSlowdown)
		select {
		case <-t.C:
		case <-r.Context().Done():
		}
		t.Stop()
		release()
	}

	u, secret, err := h.access.Login(r.Context(), email, password)
	if err != nil {
		if waymark.ErrorCode(err) != waymark.EUNAUTHORIZED {
			h.serverError(w, r, err)
			return
		}
		h.log.Info("web: login failed", "client", client)
		if !okClient {
			h.tooManyLogins(w, r, data)
			return
		}
		data.Error = "Wrong email or password."
		h.render(w, r, http.StatusUnauthorized, "login", page{Title: "Log in", Data: data})
		return
	}
	// A successful login does not count against the limits, so that people
	// behind one office address do not lock each other out.
	cancelPair()
	if okClient {
		cancelClient()
	}

	h.setSessionCookie(w, secret, waymark.SessionTTL)
	h.log.Info("web: login", "user_id", u.ID)
	http.Redirect(w, r, data.Next, http.StatusSeeOther)
}

// logout ends the session and goes back to the login page.
func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		if err := h.access.Logout(r.Context(), c.Value); err != nil {
			h.serverError(w, r, err)
			return
		}
	}
	h.setSessionCookie(w, "", 0)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// tooManyLogins refuses a login attempt with 429.
func (h *Handler) tooManyLogins(w http.ResponseWriter, r *http.Request, data loginPage) {
	h.log.Warn("web: login rate limited", "client", clientKey(r.RemoteAddr))
	w.Header().Set("Retry-After", strconv.Itoa(int(loginEvery.Seconds())))
	data.Error = "Too many login attempts. Wait a minute, then try again."
	h.render(w, r, http.StatusTooManyRequests, "login", page{Title: "Log in", Data: data})
}
