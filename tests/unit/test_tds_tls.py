"""TLS, sans-IO: the PRELOGIN negotiation table, a whole TDS 7.x handshake inside PRELOGIN packets between the codec
plus the server's TlsChannel and a real TLS client (ssl.SSLObject over memory), strict mode, the certificate, and
the settings."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from quietus.protocol.tds import (
    Encryption,
    EncryptionSetting,
    Login,
    PreLoginRequest,
    ProtocolError,
    State,
    TdsServerConnection,
    TlsHandshake,
    negotiate_encryption,
)
from quietus.protocol.tds.buffer import ReceiveBuffer
from quietus.protocol.tds.login7 import Login7, encode_login7
from quietus.protocol.tds.packets import MessageReader, PacketType, encode_message
from quietus.protocol.tds.prelogin import encode_prelogin_request, parse_prelogin
from quietus.server.config import ConfigError, load_config
from quietus.server.tls import (
    CERTIFICATE_FILE,
    ServerTls,
    TlsChannel,
    TlsError,
    self_signed_certificate,
)

E, ES = Encryption, EncryptionSetting


@pytest.mark.parametrize(
    ("client", "setting", "reply"),
    [
        # MS-TDS §2.2.6.5: client value × the server's setting
        (E.OFF, ES.AVAILABLE, E.OFF),
        (E.OFF, ES.FORCED, E.REQ),
        (E.OFF, ES.DISABLED, E.NOT_SUP),
        (E.ON, ES.AVAILABLE, E.ON),
        (E.ON, ES.FORCED, E.ON),
        (E.ON, ES.DISABLED, E.NOT_SUP),
        (E.NOT_SUP, ES.AVAILABLE, E.NOT_SUP),
        (E.NOT_SUP, ES.FORCED, E.REQ),
        (E.NOT_SUP, ES.DISABLED, E.NOT_SUP),
        (E.REQ, ES.AVAILABLE, E.ON),
        (E.REQ, ES.FORCED, E.ON),
        (E.REQ, ES.DISABLED, E.NOT_SUP),
        (None, ES.AVAILABLE, E.NOT_SUP),  # no ENCRYPTION option at all
        (0x80 | E.ON, ES.AVAILABLE, E.ON),  # the client-certificate flag is not a different request
    ],
)
def test_negotiation_table(client: int | None, setting: EncryptionSetting, reply: Encryption) -> None:
    assert negotiate_encryption(client, setting) is reply


@pytest.fixture(scope="module")
def server_tls(tmp_path_factory: pytest.TempPathFactory) -> ServerTls:
    return ServerTls.configure(
        enabled=True, force=False, data_dir=tmp_path_factory.mktemp("data"), certificate=None, key=None
    )


def client_tls() -> tuple[ssl.SSLObject, ssl.MemoryBIO, ssl.MemoryBIO]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # as trustServerCertificate
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    return context.wrap_bio(incoming, outgoing, server_hostname="localhost"), incoming, outgoing


def prelogin(encryption: int) -> bytes:
    return encode_message(PacketType.PRELOGIN, encode_prelogin_request(encryption=encryption))


def login7() -> bytes:
    return encode_message(PacketType.LOGIN7, encode_login7(Login7(tds_version=0x74000004, user_name="sa")))


def server_messages(data: bytes) -> list[tuple[int, bytes]]:
    buffer, reader, out = ReceiveBuffer(), MessageReader(), []
    buffer.feed(data)
    while (message := reader.next_message(buffer)) is not None:
        out.append((message.type, message.payload))
    return out


def handshake_inside_prelogin(
    server: TdsServerConnection, channel: TlsChannel, client_encryption: int
) -> tuple[ssl.SSLObject, ssl.MemoryBIO, ssl.MemoryBIO]:
    """PRELOGIN, then the client's TLS flights in PRELOGIN packets until both sides are done."""
    server.receive_data(prelogin(client_encryption))
    assert isinstance(server.next_event(), PreLoginRequest)
    reply = server_messages(server.send_prelogin_reply())
    assert reply[0][0] == PacketType.TABULAR_RESULT
    assert server.state is State.TLS_HANDSHAKE
    tls, incoming, outgoing = client_tls()
    for _ in range(10):
        try:
            tls.do_handshake()
            break
        except ssl.SSLWantReadError:
            pass
        server.receive_data(encode_message(PacketType.PRELOGIN, outgoing.read()))
        event = server.next_event()
        assert isinstance(event, TlsHandshake)
        answer = channel.handshake(event.data)
        for packet_type, payload in server_messages(server.send_tls_handshake(answer)):
            assert packet_type == PacketType.PRELOGIN  # the server's flights ride in PRELOGIN packets too
            incoming.write(payload)
        if channel.established:
            server.tls_established()
    tls.do_handshake()
    assert channel.established and server.state is State.LOGIN
    assert tls.version() == "TLSv1.2"  # TDS 7.x: TLS 1.2 (the 1.3 post-handshake messages have no place here)
    return tls, incoming, outgoing


def test_a_tds7_handshake_inside_prelogin_then_an_encrypted_login7(server_tls: ServerTls) -> None:
    server = TdsServerConnection(encryption=EncryptionSetting.AVAILABLE)
    channel = server_tls.channel(strict=False)
    tls, _incoming, outgoing = handshake_inside_prelogin(server, channel, Encryption.ON)
    assert server.encryption is Encryption.ON
    tls.write(login7())
    records = outgoing.read()
    assert login7()[8:40] not in records  # the LOGIN7 is not readable on the wire
    server.receive_data(channel.decrypt(records))
    event = server.next_event()
    assert isinstance(event, Login) and event.login7.user_name == "sa"


def test_a_cleartext_login7_after_agreeing_on_encryption_is_refused() -> None:
    server = TdsServerConnection(encryption=EncryptionSetting.AVAILABLE)
    server.receive_data(prelogin(Encryption.OFF))
    server.next_event()
    assert parse_prelogin(server_messages(server.send_prelogin_reply())[0][1]).encryption == Encryption.OFF
    server.receive_data(login7())
    event = server.next_event()
    assert isinstance(event, ProtocolError) and "unencrypted" in event.reason
    assert server.state is State.CLOSED


def test_forced_encryption_refuses_a_login7_without_prelogin() -> None:
    server = TdsServerConnection(encryption=EncryptionSetting.FORCED)
    server.receive_data(login7())
    event = server.next_event()
    assert isinstance(event, ProtocolError) and "requires encryption" in event.reason


def test_strict_mode_answers_prelogin_without_a_second_handshake() -> None:
    server = TdsServerConnection(encryption=EncryptionSetting.AVAILABLE)
    server.transport_encrypted = True  # the server finished TLS on the socket before the first TDS byte
    server.receive_data(prelogin(Encryption.ON))
    server.next_event()
    reply = parse_prelogin(server_messages(server.send_prelogin_reply())[0][1])
    assert reply.encryption == Encryption.ON
    assert server.state is State.LOGIN


def test_without_tls_the_reply_is_not_sup_and_a_tls_record_is_a_protocol_error() -> None:
    server = TdsServerConnection()
    server.receive_data(prelogin(Encryption.ON))
    server.next_event()
    assert parse_prelogin(server_messages(server.send_prelogin_reply())[0][1]).encryption == Encryption.NOT_SUP
    server.receive_data(encode_message(PacketType.PRELOGIN, b"\x16\x03\x01\x00\x05hello"))
    event = server.next_event()
    assert isinstance(event, ProtocolError) and "PRELOGIN not allowed" in event.reason  # no handshake state


def test_a_tls_record_in_the_first_prelogin_is_a_protocol_error() -> None:
    server = TdsServerConnection(encryption=EncryptionSetting.AVAILABLE)
    server.receive_data(encode_message(PacketType.PRELOGIN, b"\x16\x03\x01\x00\x05hello"))
    event = server.next_event()
    assert isinstance(event, ProtocolError) and "before encryption was negotiated" in event.reason


def test_strict_channel_offers_alpn_tds8_and_tls13(server_tls: ServerTls) -> None:
    channel = server_tls.channel(strict=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    context.set_alpn_protocols(["tds/8.0"])
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context.wrap_bio(incoming, outgoing)
    for _ in range(10):
        try:
            tls.do_handshake()
            break
        except ssl.SSLWantReadError:
            incoming.write(channel.handshake(outgoing.read()))
    incoming.write(channel.handshake(outgoing.read()))  # the client's Finished (nothing comes back: no tickets)
    assert channel.established and channel.alpn == "tds/8.0" and channel.version == "TLSv1.3"
    tls.write(b"hello")
    assert channel.decrypt(outgoing.read()) == b"hello"
    incoming.write(channel.encrypt(b"back"))
    assert tls.read() == b"back"


def test_the_self_signed_certificate_is_made_once_and_reused(tmp_path: Path) -> None:
    first = self_signed_certificate(tmp_path)
    made = first.certificate.read_bytes()
    assert b"BEGIN CERTIFICATE" in made and first.key.stat().st_mode & 0o777 == 0o600
    again = self_signed_certificate(tmp_path)
    assert again.certificate.read_bytes() == made  # a later start keeps the certificate clients may trust


def test_a_configured_certificate_replaces_the_self_signed_one(tmp_path: Path) -> None:
    made = self_signed_certificate(tmp_path / "mine")
    tls = ServerTls.configure(
        enabled=True, force=True, data_dir=tmp_path / "data", certificate=made.certificate, key=made.key
    )
    assert tls.certificate is not None and not tls.certificate.self_signed
    assert tls.setting is EncryptionSetting.FORCED
    assert not (tmp_path / "data" / "tls" / CERTIFICATE_FILE).exists()


@pytest.mark.parametrize(
    ("certificate", "key", "message"),
    [
        ("missing.crt", "missing.key", "cannot read .*missing.crt"),
        ("mine/quietus-tls.crt", None, "together"),
        ("mine/quietus-tls.key", "mine/quietus-tls.key", "cannot be used"),  # a key where the certificate goes
    ],
)
def test_bad_certificate_settings_are_clear_errors(
    tmp_path: Path, certificate: str, key: str | None, message: str
) -> None:
    self_signed_certificate(tmp_path / "mine")
    with pytest.raises(TlsError, match=message):
        ServerTls.configure(
            enabled=True,
            force=False,
            data_dir=None,
            certificate=tmp_path / certificate,
            key=tmp_path / key if key else None,
        )


def test_disabled_tls_needs_no_certificate() -> None:
    tls = ServerTls.configure(enabled=False, force=False, data_dir=None, certificate=None, key=None)
    assert not tls.enabled and tls.certificate is None


def test_tls_settings_from_every_source(tmp_path: Path) -> None:
    config = tmp_path / "q.toml"
    config.write_text('tls_certificate = "c.pem"\ntls_key = "k.pem"\nforce_encryption = true\n', encoding="utf-8")
    merged = load_config({}, environ={}, config_file=config)
    assert merged.tls_certificate == tmp_path / "c.pem" and merged.tls_key == tmp_path / "k.pem"
    assert merged.force_encryption and merged.tls
    from_env = load_config({}, environ={"QUIETUS_TLS": "off", "QUIETUS_FORCE_ENCRYPTION": "no"}, config_file=config)
    assert not from_env.tls and not from_env.force_encryption
    assert load_config({"tls": True, "tls_key": "/x.pem"}, environ={"QUIETUS_TLS": "off"}).tls_key == Path("/x.pem")
    with pytest.raises(ConfigError, match="QUIETUS_FORCE_ENCRYPTION"):
        load_config({}, environ={"QUIETUS_FORCE_ENCRYPTION": "maybe"})
