// LTI Dynamic Registration: tell the platform's registration window that the tool is done.
(window.opener || window.parent).postMessage({ subject: "org.imsglobal.lti.close" }, "*");
