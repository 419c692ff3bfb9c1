"""Messages to customers (log, email over SMTP, SMS over an HTTP gateway) and staff alerts."""
