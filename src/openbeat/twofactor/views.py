"""Two-factor sign-in pages: enrol an authenticator, verify after the password, backup codes,
and an agency administrator's reset for a lost phone."""

from base64 import b32encode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp import user_has_device

from openbeat.core.access import agency_ids
from openbeat.core.models import Role
from openbeat.twofactor import actions, policy
from openbeat.twofactor.forms import CodeForm, FirstCodeForm


def _next(request):
    target = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if safe and target.startswith("/") else "/staff/"


def _complete_sign_in(request, device):
    """Mark the session verified with `device`, under a new session key."""
    request.session.cycle_key()
    otp_login(request, device)


def _grouped(secret):
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@login_required
@require_http_methods(["GET", "POST"])
def enrol(request):
    """Set up an authenticator: scan the QR code (or type the key), confirm with a first code."""
    if user_has_device(request.user):
        return redirect("staff:two_factor")
    device = actions.pending_authenticator(request.user)
    form = FirstCodeForm(request.POST or None)
    if form.is_valid():
        codes, confirmed = actions.confirm_authenticator(request.user, form.cleaned_data["code"])
        if codes is not None:
            _complete_sign_in(request, confirmed)
            return render(
                request, "twofactor/backup_codes.html", {"codes": codes, "next": _next(request)}
            )
        form.add_error(
            "code",
            _("That code did not match. Check the time on your phone and try the newest code."),
        )
    secret = b32encode(device.bin_key).decode()
    label = _("QR code for your authenticator app")
    import segno  # here, not at start-up (openbeat.events.qr)

    svg = segno.make(device.config_url, error="m").svg_inline(scale=4, light="#fff", svgclass="qr")
    context = {
        "form": form,
        "qr_svg": svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1),
        "secret": _grouped(secret),
        "required": policy.required(),
        "next": _next(request),
    }
    return render(request, "twofactor/enrol.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def verify(request):
    """The second step of signing in: a code from the authenticator, or a backup code."""
    step = policy.missing_step(request.user)
    if step == policy.ENROL:
        return redirect("staff:two_factor_enrol")
    if step is None:
        return redirect(_next(request))
    form = CodeForm(request.POST or None)
    if form.is_valid():
        device, wait = actions.verify(request.user, form.cleaned_data["code"])
        if device is not None:
            _complete_sign_in(request, device)
            return redirect(_next(request))
        if wait is not None:
            minutes = actions.throttle_minutes(wait)
            form.add_error(
                "code",
                ngettext(
                    "Too many wrong codes. Wait %(minutes)s minute, then try the newest code "
                    "(the wait grows with each wrong code).",
                    "Too many wrong codes. Wait %(minutes)s minutes, then try the newest code "
                    "(the wait grows with each wrong code).",
                    minutes,
                )
                % {"minutes": minutes},
            )
        else:
            form.add_error("code", _("That code did not match. Try the newest code."))
    status = 400 if form.errors else 200
    return render(
        request, "twofactor/verify.html", {"form": form, "next": _next(request)}, status=status
    )


@login_required
def account(request):
    """This account's two-factor state; administrators also see their staff's."""
    is_admin = request.user.is_superuser or bool(agency_ids(request.user, Role.ADMIN))
    staff = []
    if is_admin:
        for person in actions.resettable_staff(acting_user=request.user):
            staff.append((person, user_has_device(person)))
    context = {
        "enrolled": user_has_device(request.user),
        "required": policy.required(),
        "is_admin": is_admin,
        "staff": staff,
    }
    return render(request, "twofactor/account.html", context)


@login_required
@require_POST
def backup_codes(request):
    if not user_has_device(request.user):
        return redirect("staff:two_factor_enrol")
    codes = actions.new_backup_codes(request.user)
    return render(request, "twofactor/backup_codes.html", {"codes": codes, "next": "/staff/"})


@login_required
@require_POST
def reset(request, user_id):
    target = actions.reset_devices(user_id, acting_user=request.user)
    messages.success(
        request,
        _(
            "%(name)s's authenticator and backup codes are removed. They set up a new "
            "authenticator when they next sign in."
        )
        % {"name": target.get_username()},
    )
    return redirect("staff:two_factor")
