// Posts a form marked data-autosubmit at once (the deep-linking answer to the platform);
// without JavaScript its button does the same.
document.querySelectorAll("form[data-autosubmit]").forEach(function (form) { form.submit(); });
