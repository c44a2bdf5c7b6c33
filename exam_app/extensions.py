"""Flask extensions, created unbound and bound in the application factory."""

from flask_babel import Babel
from flask_login import LoginManager

from exam_app.signed_cookies import RememberingCSRFProtect

login_manager = LoginManager()
csrf = RememberingCSRFProtect()  # Flask-WTF's, each token verified once per process
babel = Babel()
