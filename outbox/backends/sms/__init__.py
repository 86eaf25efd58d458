"""SMS backends (RECTIFY_SMS_BACKEND): the message's `to` is an 11-digit mobile number and
its `text` the short message, without the signature (【…】), which the backend adds."""
