/*
 * The flight email from an instance's settings (mail.*): composed from the
 * judged flight (report_mail) and sent (mail_send).
 */
#ifndef PVCI_MAIL_FLIGHT_H
#define PVCI_MAIL_FLIGHT_H

struct instance;

/*
 * Sends the email of flight to the recipients mail.to gives its branch;
 * pushed: the gate advanced to its revisions (" - PUSHED"). Prints where it
 * went on stderr. 0, or -1 (reported).
 */
int mail_flight(struct instance *inst, long flight, int pushed);

/*
 * After "pvci flight run": mails a real flight when mail.smtp_url is set,
 * otherwise does nothing. 0, or -1 (reported; the flight's outcome stands).
 */
int mail_after_flight(struct instance *inst, long flight, int pushed);

#endif
