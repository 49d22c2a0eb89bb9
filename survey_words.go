package waymark

import (
	"fmt"
	"strings"
	"time"
)

// SurveyWords are what Waymark itself says to a contact around a survey,
// in the contact's language: the response page's buttons and notes and the
// invitation mail's greeting, button and footer (the questions carry their
// own translations). One table serves the page and the mail, so the two
// speak the same languages.
type SurveyWords struct {
	// The response page.
	Next, Back, Submit, Save, Thanks, ThanksMsg, ClosedMsg, Question, Of, Required, Saved, Change, Optional string
	// The ends of each score scale.
	ScaleNPS, ScaleCES, ScaleSat [2]string

	// The invitation and reminder mail.
	Greeting    string // "Dear %s," with the contact's name
	Ask         string // the invitation's opening line
	AskAgain    string // the reminder's
	OpenSurvey  string // the link to the whole survey
	OpenUntil   string // "open until %s" with the expiry date
	Footer      string // why the mail comes
	Unsubscribe string // the unsubscribe link, and the unsubscribe page's heading
	Reminder    string // "Reminder: %s" with the survey's name, the reminder's subject
	Months      [12]string
	DateLayout  string // day, month name, year: "%d %s %d"

	// The unsubscribe page the mail links to.
	UnsubscribeAsk, UnsubscribeButton, Unsubscribed, UnsubscribedMsg string
}

// Scale names the two ends of a score question's scale.
func (w SurveyWords) Scale(typ string) (low, high string) {
	switch typ {
	case QuestionNPS:
		return w.ScaleNPS[0], w.ScaleNPS[1]
	case QuestionCES:
		return w.ScaleCES[0], w.ScaleCES[1]
	}
	return w.ScaleSat[0], w.ScaleSat[1]
}

// Date writes a day in words: 2 March 2027, 2 mars 2027, 2. März 2027.
func (w SurveyWords) Date(t time.Time) string {
	return fmt.Sprintf(w.DateLayout, t.Day(), w.Months[t.Month()-1], t.Year())
}

var surveyWords = map[string]SurveyWords{
	"en": {Next: "Next", Back: "Back", Submit: "Send my answers", Save: "Save", Thanks: "Thank you",
		ThanksMsg: "Your answers are saved. They go to the team that handles this part of your journey.",
		ClosedMsg: "Your answers were received and can no longer be changed. Thank you.",
		Question:  "Question", Of: "of", Required: "Please answer this question.", Saved: "Your score is saved. You can add a comment, or change it.",
		Change: "Change my answers", Optional: "optional",
		ScaleNPS: [2]string{"Not at all likely", "Extremely likely"}, ScaleCES: [2]string{"Very difficult", "Very easy"}, ScaleSat: [2]string{"Very dissatisfied", "Very satisfied"},
		Greeting: "Dear %s,", Ask: "We would value your opinion. It takes a minute.",
		AskAgain:   "A few days ago we asked for your opinion. It takes a minute, and it helps us serve you better.",
		OpenSurvey: "Open the survey", OpenUntil: "open until %s", Footer: "You receive this because you work with us.",
		Unsubscribe: "Unsubscribe from surveys", Reminder: "Reminder: %s",
		UnsubscribeAsk: "Press the button and you will receive no more surveys from us.", UnsubscribeButton: "Unsubscribe",
		Unsubscribed: "You are unsubscribed", UnsubscribedMsg: "You will receive no more surveys from us. Thank you for the answers you gave.",
		Months:     [12]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
		DateLayout: "%d %s %d"},
	"fr": {Next: "Suivant", Back: "Retour", Submit: "Envoyer mes réponses", Save: "Enregistrer", Thanks: "Merci",
		ThanksMsg: "Vos réponses sont enregistrées. Elles vont à l'équipe qui s'occupe de cette étape de votre parcours.",
		ClosedMsg: "Vos réponses ont été reçues et ne peuvent plus être modifiées. Merci.",
		Question:  "Question", Of: "sur", Required: "Merci de répondre à cette question.", Saved: "Votre note est enregistrée. Vous pouvez ajouter un commentaire ou la modifier.",
		Change: "Modifier mes réponses", Optional: "facultatif",
		ScaleNPS: [2]string{"Pas du tout probable", "Très probable"}, ScaleCES: [2]string{"Très difficile", "Très facile"}, ScaleSat: [2]string{"Très insatisfait", "Très satisfait"},
		Greeting: "Bonjour %s,", Ask: "Votre avis nous est précieux. Cela ne prend qu'une minute.",
		AskAgain:   "Il y a quelques jours, nous vous avons demandé votre avis. Cela ne prend qu'une minute et nous aide à mieux vous servir.",
		OpenSurvey: "Ouvrir le questionnaire", OpenUntil: "ouvert jusqu'au %s", Footer: "Vous recevez ce message parce que vous travaillez avec nous.",
		Unsubscribe: "Ne plus recevoir de questionnaires", Reminder: "Rappel : %s",
		UnsubscribeAsk: "Appuyez sur le bouton et vous ne recevrez plus de questionnaires de notre part.", UnsubscribeButton: "Me désabonner",
		Unsubscribed: "Vous êtes désabonné", UnsubscribedMsg: "Vous ne recevrez plus de questionnaires de notre part. Merci pour les réponses que vous nous avez données.",
		Months:     [12]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"},
		DateLayout: "%d %s %d"},
	"de": {Next: "Weiter", Back: "Zurück", Submit: "Antworten senden", Save: "Speichern", Thanks: "Vielen Dank",
		ThanksMsg: "Ihre Antworten sind gespeichert. Sie gehen an das Team, das diesen Schritt betreut.",
		ClosedMsg: "Ihre Antworten sind eingegangen und können nicht mehr geändert werden. Vielen Dank.",
		Question:  "Frage", Of: "von", Required: "Bitte beantworten Sie diese Frage.", Saved: "Ihre Bewertung ist gespeichert. Sie können einen Kommentar hinzufügen oder sie ändern.",
		Change: "Antworten ändern", Optional: "optional",
		ScaleNPS: [2]string{"Überhaupt nicht wahrscheinlich", "Äußerst wahrscheinlich"}, ScaleCES: [2]string{"Sehr schwierig", "Sehr einfach"}, ScaleSat: [2]string{"Sehr unzufrieden", "Sehr zufrieden"},
		Greeting: "Guten Tag %s,", Ask: "Ihre Meinung ist uns wichtig. Es dauert nur eine Minute.",
		AskAgain:   "Vor einigen Tagen haben wir Sie um Ihre Meinung gebeten. Es dauert nur eine Minute und hilft uns, Sie besser zu betreuen.",
		OpenSurvey: "Zur Umfrage", OpenUntil: "offen bis %s", Footer: "Sie erhalten diese Nachricht, weil Sie mit uns zusammenarbeiten.",
		Unsubscribe: "Keine Umfragen mehr erhalten", Reminder: "Erinnerung: %s",
		UnsubscribeAsk: "Drücken Sie auf die Schaltfläche, und Sie erhalten keine Umfragen mehr von uns.", UnsubscribeButton: "Abmelden",
		Unsubscribed: "Sie sind abgemeldet", UnsubscribedMsg: "Sie erhalten keine Umfragen mehr von uns. Vielen Dank für Ihre Antworten.",
		Months:     [12]string{"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"},
		DateLayout: "%d. %s %d"},
}

// SurveyWordsIn returns the words in a language ("fr", or "fr-CH" falling
// back to "fr"), else in English.
func SurveyWordsIn(lang string) SurveyWords {
	lang = strings.ToLower(strings.TrimSpace(lang))
	if w, ok := surveyWords[lang]; ok {
		return w
	}
	if base, _, ok := strings.Cut(lang, "-"); ok {
		if w, ok := surveyWords[base]; ok {
			return w
		}
	}
	return surveyWords["en"]
}

// SurveyLanguage is the language SurveyWordsIn answers in for lang: lang's
// own or its base when Waymark speaks it, else "en".
func SurveyLanguage(lang string) string {
	lang = strings.ToLower(strings.TrimSpace(lang))
	if _, ok := surveyWords[lang]; ok {
		return lang
	}
	if base, _, ok := strings.Cut(lang, "-"); ok {
		if _, ok := surveyWords[base]; ok {
			return base
		}
	}
	return "en"
}
