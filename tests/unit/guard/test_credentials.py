"""Table-driven: each credential kind is found with its exact span; look-alikes are not."""

from __future__ import annotations

import base64
import string
import time
import uuid

import pytest

from services.guard.engine.credentials import CredentialRecognizer
from tests.unit.guard.creds import ALNUM, credentials, private_key_block, rand

REC = CredentialRecognizer()
CREDS = credentials()


def found(text: str) -> list[tuple[str, str]]:
    return [(r.entity_type, text[r.start:r.end]) for r in REC.analyze(text, entities=[])]


@pytest.mark.parametrize("name", sorted(CREDS))
def test_provider_and_token_credentials_are_found_with_their_span(name: str) -> None:
    value, entity = CREDS[name]
    assert (entity, value) in found(f"please use {value} for the call")


def test_aws_secret_key_is_found_only_near_an_access_key_id() -> None:
    secret = rand(40, ALNUM + "/+")
    key_id = "AKIA" + rand(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    assert ("API_KEY", secret) in found(f"id {key_id}\nkey {secret}")
    assert ("API_KEY", secret) not in found(f"a random string {secret} without any key id")
    assert ("API_KEY", secret) in found(f"aws_secret_access_key = {secret}")


def test_private_key_block_is_found_whole() -> None:
    block = private_key_block()
    assert ("PRIVATE_KEY", block) in found(f"here:\n{block}\nthanks")


@pytest.mark.parametrize(
    ("text", "password"),
    [
        ("password=Tr0ub4dor&3x", "Tr0ub4dor&3x"),  # an "&" inside the value, not a next parameter
        ("https://x.example/login?password=hunter2x&user=bob", "hunter2x"),
        ('"password": "Tr0ub4dor&3"', "Tr0ub4dor&3"),
        ("passphrase: 'correct horse battery staple'", "correct horse battery staple"),
        ("pwd: s3cr3t-Value", "s3cr3t-Value"),
        ('{"password": "hunter2hunter"}', "hunter2hunter"),
        ("DATABASE_URL=postgres://app:Zq9xv7LmPw@db.internal:5432/prod", "Zq9xv7LmPw"),
        ("mongodb+srv://admin:n0tS0Secret@cluster0.example.net/test", "n0tS0Secret"),
        ("mysql://app_user:P@ssw0rd2024@10.0.0.5:5432/shop", "P@ssw0rd2024"),  # an unencoded "@" in it
        ("DB_PASSWORD=correct-horse-battery", "correct-horse-battery"),  # the key ends a longer name
        ("MYSQL_ROOT_PASSWORD: 'dragon'", "dragon"),
        ("api_secret = 'abcd1234'", "abcd1234"),
        ("the password is hunter2", "hunter2"),
        ('the password is "S3cret pass"', "S3cret pass"),
        ("password=dragon", "dragon"),  # assigned: a plain word is a password too
        ("password: sunshine", "sunshine"),  # stated: so is a plain word that says nothing about the password
        ("My password is football", "football"),
        ("REDIS_URL=redis://:Rd7kP2xQ9m@cache:6379/0", "Rd7kP2xQ9m"),  # a password with no user name
        # given to a tool on its command line, kept in a .netrc, or set as an XML key-value pair
        ("curl -u deploy:Fh6tGk9Lp2 https://api.example.com", "Fh6tGk9Lp2"),
        ("curl --user=deploy:Fh6tGk9Lp2 https://api.example.com", "Fh6tGk9Lp2"),
        ("mysql -u root -p'Kj8#nB3vX' prod", "Kj8#nB3vX"),
        ("mysqldump -uroot -pKj8nB3vX shop > dump.sql", "Kj8nB3vX"),
        ("sshpass -p 'Rt5yU8iO' ssh root@build-01", "Rt5yU8iO"),
        ("machine api.example.com login deploy password Fh6$tGk9Lp", "Fh6$tGk9Lp"),
        ('<add key="DbPassword" value="Vx7#pL2qZ9" />', "Vx7#pL2qZ9"),
        # camelCase names, an upper-case prefix, a longer name ending in _pass
        ('{"dbUser": "app", "dbPassword": "qwerty12"}', "qwerty12"),
        ("auth:\n  rootPassword: jRbywZyBv0J\n", "jRbywZyBv0J"),
        ("PGPASSWORD=p@ssw0rd psql -h db1 -U app prod", "p@ssw0rd"),
        ("ansible_user: deploy\nansible_become_pass: letmein", "letmein"),
        # values that start like a placeholder but are passwords, or hold a "," or ";"
        ("DB_PASSWORD=$fRIeTfg4h0L", "$fRIeTfg4h0L"),
        ("DB_PASSWORD=<asNbJNC3LLZ", "<asNbJNC3LLZ"),
        ("DB_PASSWORD=Vcu0X,70NwUT", "Vcu0X,70NwUT"),
        ("Driver={ODBC Driver 18};Server=tcp:sql.example.net,1433;Uid=app;Pwd=gh1zL9uwFFY8;Encrypt=yes;",
         "gh1zL9uwFFY8"),
        ("jdbc:sqlserver://sql01:1433;databaseName=crm;user=sa;password=mpB4d4@8JLhmZ;encrypt=true", "mpB4d4@8JLhmZ"),
        ("url=jdbc:oracle:thin:scott/p@ssw0rd@db01.internal:1521:ORCL", "p@ssw0rd"),
        # config files and command lines
        ("define('DB_PASSWORD', 'i7poyCf1-x0uDSw');", "i7poyCf1-x0uDSw"),
        ("<datasource>\n  <password>river blue horse staple</password>\n</datasource>", "river blue horse staple"),
        ('<property name="hibernate.connection.password">purple1955!</property>', "purple1955!"),
        ("pg_dumpall --host db1 --username admin --password Rocket1596", "Rocket1596"),
        ("docker login -u deploy -p Tiger1792? registry.example.com", "Tiger1792?"),
        ("redis-cli -h cache.internal -a 2w4Grt/VaYg12 ping", "2w4Grt/VaYg12"),
        ("# redis.conf\nrequirepass Summer1923!\n", "Summer1923!"),
        ("ENV DB_PASSWORD nZD670/g6NrAn", "nZD670/g6NrAn"),
        ('$pw = ConvertTo-SecureString "battery blue sky" -AsPlainText -Force', "battery blue sky"),
        ("sshpass -p 'battery sky horse river' ssh root@build-01", "battery sky horse river"),
        ('network={\n  ssid="HomeNet"\n  psk="letmein1"\n}', "letmein1"),
        ("user: admin pw: jDdD6P/5BIp7S", "jDdD6P/5BIp7S"),
        ("İstanbul office DB_PASSWORD=hunter22x", "hunter22x"),  # "İ" lengthens in lower(): offsets still hold
    ],
)
def test_passwords_in_assignments_and_connection_strings(text: str, password: str) -> None:
    assert ("PASSWORD", password) in found(text)


@pytest.mark.parametrize(
    ("text", "password"),
    [
        # generated passphrases of dotted words, not dotted names or attributes
        ("[db]\nuser = app\npassword = maple.orbit.cinder4\n", "maple.orbit.cinder4"),
        ('DB_PASSWORD: "raven.quartz.lagoon12"', "raven.quartz.lagoon12"),
        ("REDIS_URL=redis://:ember.delta.harbor3@cache:6379/0", "ember.delta.harbor3"),
        ("username=kim&password=cobalt.tulip.onyx9&remember=1", "cobalt.tulip.onyx9"),
        # told in a sentence, in English or another language
        ("new hire: user j.ortiz, temp password Qm4!zR8tW2 (change it at first login)", "Qm4!zR8tW2"),
        ("I set the router admin password to P7v~Lk2@@x=, is that strong enough?", "P7v~Lk2@@x="),
        ("Please log in as sam.lee with password HarborPine482@ and check the orders page.", "HarborPine482@"),
        ("I reset my password this morning and set it to Ferns_lake_3381, but the app still says wrong.",
         "Ferns_lake_3381"),
        ("Mein Passwort ist tundra.beryl.falcon6, aber die App sagt 'falsch'.", "tundra.beryl.falcon6"),
        ("Das Kennwort lautet Rt5$kLm9qz.", "Rt5$kLm9qz"),
        ("Mon mot de passe est Vq8#nB2xLp et il ne marche plus.", "Vq8#nB2xLp"),
        ("mi contraseña es Xy7!mnop22 y no funciona", "Xy7!mnop22"),
        # given to a login or connection call after the user name
        ('server.login("ops@example.org", "Wq3^rT8yPz")', "Wq3^rT8yPz"),
        ('DriverManager.getConnection(\n    "jdbc:mysql://db1:3306/shop", "report", "flint.cedar.moss7");',
         "flint.cedar.moss7"),
        ('ldap.simple_bind_s("cn=admin,dc=example,dc=org", "Adm1n!2024x")', "Adm1n!2024x"),
        # what code-shaped look-alikes leave alone
        ("user=bob, password=dragon", "dragon"),
        ("User ID: lmay Password: patpup45  Please contact the help desk", "patpup45"),
        ("Hi team,\nI reset my password and set it to Ember_dune_7015", "Ember_dune_7015"),
        # passphrases of words, and values with a bracket that are no call
        ("terraform apply -var 'admin_password=Canyon.Shovel.Kettle'", "Canyon.Shovel.Kettle"),
        ("machine.internal:5432:hr:replicator:nectar-prairie-cobalt$", "nectar-prairie-cobalt$"),
        ('docker run --env "RABBITMQ_DEFAULT_PASS=sLMwXYXc(+8rhw1CFTc3&@g9" rabbitmq', "sLMwXYXc(+8rhw1CFTc3&@g9"),
        ("spring.mail.password=T(9Je~OC2", "T(9Je~OC2"),
        # more languages, and words between the name and the verb
        ("La contraseña del wifi es v!rhoTn8a113w3i", "v!rhoTn8a113w3i"),
        ("Het tijdelijke wachtwoord voor je account is XcQkzgDZn0K27 en is 24 uur geldig", "XcQkzgDZn0K27"),
        ("Segue a senha do servidor de arquivos: January!16", "January!16"),
        ("La password del wifi è 0z8sPWLs!!$", "0z8sPWLs!!$"),
        ("the password for the staging admin is now Anchor%Plum16 (old one stopped working)", "Anchor%Plum16"),
        # code: calls, (user, password) pairs, setters, form fields and defaults
        ('ssh.connect("bastion.example.org", 22, "ops", "velvet_planet_5109")', "velvet_planet_5109"),
        ("$link = mysqli_connect('localhost', 'backup', 'Pepp3r32&p4rr', 'catalog');", "Pepp3r32&p4rr"),
        ('new NetworkCredential("nadia@example.org", "Pumpkin-Marble943")', "Pumpkin-Marble943"),
        ('requests.get(url, auth=("mkowalski", "Zm(z$2Lr=/iG&%J5"), timeout=10)', "Zm(z$2Lr=/iG&%J5"),
        ('session.setPassword("Dj*)4CS4Wzml");', "Dj*)4CS4Wzml"),
        ("'password' => Hash::make('Raven-1104-Dragon-479@')", "Raven-1104-Dragon-479@"),
        ("await page.fill('#password', 'ladder_4279_ember#');", "ladder_4279_ember#"),
        ("'password' => env('DB_PASSWORD', 'Bella2010&'),", "Bella2010&"),
        # command lines and config of tools, SQL, network devices
        ("ldapsearch -x -D 'cn=admin,dc=corp' -w 'MustardPanda397' -b 'ou=people'", "MustardPanda397"),
        ("mongoimport --host db11 -u app -p 'Autumn2024$' --authenticationDatabase admin", "Autumn2024$"),
        ("htpasswd -bc /etc/nginx/.htpasswd admin 'Lakers@1992'", "Lakers@1992"),
        ("docker run --rm httpd:2 htpasswd -Bbn svc-sync 'dIxVF2w&x~@J' > auth/htpasswd", "dIxVF2w&x~@J"),
        ("echo 'ubuntu:Tul!pc1nder.3' | sudo chpasswd", "Tul!pc1nder.3"),
        ("net use Z: \\\\nas\\archive /user:CORP\\jenkins OugC?y@2 /persistent:yes", "OugC?y@2"),
        ("psexec \\\\app09 -u CORP\\lmartin -p Bologna75.Hickory cmd.exe", "Bologna75.Hickory"),
        ("smbclient //nas01/homes -U 'reporting%Qw6MyhG)7=Qg'", "Qw6MyhG)7=Qg"),
        ("lftp -u orders_svc,'garden-hickory-401$' sftp://ftp.example.com", "garden-hickory-401$"),
        ("rabbitmqctl add_user bob 'e@v~XZRq9z#Z'", "e@v~XZRq9z#Z"),
        ("wpa_passphrase \"HomeNet\" 'psYP4@Ml-GtYH#2' | sudo tee /etc/wpa.conf", "psYP4@Ml-GtYH#2"),
        ("CREATE USER 'jenkins'@'%' IDENTIFIED BY 'D#+~MJx8rv4qeZ9L';", "D#+~MJx8rv4qeZ9L"),
        ("SET PASSWORD FOR 'grafana'@'localhost' = 'Tango Nutmeg Basil#';", "Tango Nutmeg Basil#"),
        ("username ops privilege 15 secret 0 Timber@Helmet4", "Timber@Helmet4"),
        ("line vty 0 4\n password honey.horizon978\n login", "honey.horizon978"),
        ('# /etc/ipsec.secrets\nbob : EAP "5ke($^~*4pM*MGM8rS"', "5ke($^~*4pM*MGM8rS"),
        ("127.0.0.1:6379> AUTH Lisbon16!Sparrow\nOK", "Lisbon16!Sparrow"),
        # keys in brackets, after an escaped line break or an acronym; name/value lists; prompts and PowerShell
        ('DATABASES["default"]["PASSWORD"] = "horizon_paddle_meteor%"', "horizon_paddle_meteor%"),
        ("printf 'host=code.example.org\\nusername=jdoe\\npassword=pocket_kettle_7\\n' | git credential approve",
         "pocket_kettle_7"),
        ("DBHost=pg.internal\nDBUser=zabbix\nDBPassword=MeadowAmber414@", "MeadowAmber414@"),
        ('[{"key": "username", "value": "app"}, {"key": "password", "value": "salmon_badger_24518"}]',
         "salmon_badger_24518"),
        ('{"name": "password", "value": "beBH75BSV*nU"}', "beBH75BSV*nU"),
        ("env:\n  - name: DB_PASSWORD\n    value: Qx7-lumen-Harbor\n", "Qx7-lumen-Harbor"),
        ("expect \"*assword:*\"\nsend -- \"Mt(vt62.kGHjE\\r\"\ninteract", "Mt(vt62.kGHjE"),
        ("-NewPassword (ConvertTo-SecureString -AsPlainText 'N8v*QIp.(9biIW8G@' -Force)", "N8v*QIp.(9biIW8G@"),
        ("$pw = '8Glxui2Q5bNu5h&0r7Yv1sJ' | ConvertTo-SecureString -AsPlainText -Force", "8Glxui2Q5bNu5h&0r7Yv1sJ"),
        # quotes escaped in a JSON string, LDAP and VPN client settings, a passphrase ending in a symbol
        ('"raw": "{\\"email\\": \\"q@example.org\\", \\"password\\": \\"Marbl332!cl0ver\\"}"', "Marbl332!cl0ver"),
        ("ldap_default_authtok_type = password\nldap_default_authtok = chz)Qi3/Y@ntynWJ3", "chz)Qi3/Y@ntynWJ3"),
        ('{"bindDN": "cn=etl,ou=svc", "bindCredentials": "D3$3r7nu7m39@1"}', "D3$3r7nu7m39@1"),
        ("IPSec ID corp\nXauth username lmartin\nXauth password RocketPuzzleGarden\n", "RocketPuzzleGarden"),
        ('req.SetBasicAuth("webapp", "timber-blanket-dagger-dolphin!")', "timber-blanket-dagger-dolphin!"),
    ],
)
def test_passphrases_passwords_told_in_prose_and_given_to_login_calls(text: str, password: str) -> None:
    assert ("PASSWORD", password) in found(text)


@pytest.mark.parametrize(
    "text",
    [
        "commit 3f786850e387550fdab836ed7e6dc881de23001b fixed it",
        f"request id {uuid.uuid4()}",
        "password=${DB_PASSWORD}",
        "password: <your password here>",
        "password = os.environ['DB_PASSWORD']",
        "we use scikit-learn and sk-learn style pipelines",
        "sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        # Prose about passwords states none.
        "The password is required for login.",
        "Your password is incorrect, try again",
        "password: always",
        "require_password: never",
        "The password is usually case-sensitive",
        "Your password is stored hashed.",
        "mysql -u root -p shop",  # -p alone asks for the password; shop is the database
        # Key-like names whose value is code, a placeholder or not generated.
        "token = tokenizer.encode(text_2024_v2_final)",
        'api_key = os.environ["OPENAI_API_KEY"]',
        'api_key="your_api_key_here_123"',
        "api_key_id = 12345678901234567890",
        "token_count: 1234567890123456",
        "secret_key = settings.SECRET_KEY",
        "Basic Introduction to Python programming",
        "Authorization: Bearer <token>",
        "Authorization: Basic $CREDENTIALS",
        # Code that handles passwords holds none.
        "password = getpass.getpass('Password: ')",
        "self.password = password",
        "def login(username, password=None):",
        "password=request.form['password']",
        "const password = passwordInput.value;",
        "if password == confirm_password:\n    save(user)",
        'return {"password": password, "user": user}',
        "password: Optional[str] = None",
        "ph, pw = (padding, padding)",
        '__slots__ = ("password", "username")',
        "token: JWTAccessTokenClaims,",
        # Output, prose, specs and references
        "PASS: tests/test_login.py::test_ok",
        "secret:\n  secretName: db-creds",
        "Password: (leave blank for none)",
        "password: Must be at least 8 characters long",
        "Enter password: \nPassword: Sorry, try again.",
        "The secret is safe with me.",
        "Output of pwd: /home/ubuntu/project",
        "password: arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf",
        "DB_PASSWORD=$DB_PASSWORD",
        "password: %DB_PASSWORD%",
        "object key: uploads/2024/03/15/report_final_v2.pdf",
        "the cache key e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "idempotency key 550e8400-e29b-41d4-a716-446655440000",
        # Settings, minified code, API examples and documentation that hold no credential.
        "on_pass: allow",
        "client_secret:l.client_secret??null,scope",
        "({username:e,password:t})=>{let r=P.",
        '"password"===e.type||"text"===e.type',
        'labelKey:"logs.common.quickSelect.last15Minutes"',
        "error_per_key = 100000.0/first_set_max_id",
        '"NextToken": "CpHNsscimcV5oH7bSbub03CI2Qms5ypNpNm53MNlR0YcXAkp0xFlfKf91"',
        '"ClientRequestToken": "a8ca07e4-61ec-4399-99f4-19853801bcd5"',
        "socat -u UDP-RECVFROM:8888,reuseaddr,fork SYSTEM:cat",
        "database_url: postgresql://user:password@localhost/app",
        "aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
        'client_secret: "GOOGLE_CLIENT_SECRET"',
        '"resetPassword": "onboarding.formBody.resetPassword"',
        "auth_password:s?.type===x",
        # Masked values, prose about passwords, and login calls given variables or a word
        "Password: •••••••• (hidden)",
        '{"username": "admin", "password": "[REDACTED]"}',
        "DB_PASSWORD: redacted",
        "password = config.database.password",
        'String password = System.getenv("DB_PASSWORD");',
        "Reset your password to something memorable.",
        "Use a password manager like 1Password to keep it.",
        "Your password must be 12+ characters.",
        "Mein Passwort ist abgelaufen.",
        "Users can now sync their password to Office365 from the portal.",
        'login("admin", "password")',
        "client.login(username, password)",
        'auth("user", os.environ["PW"])',
        # Code pasted whole: annotations, unpacking, docstrings, name mappings, keywords
        "def check_credentials(username: str, password: str) -> bool:",
        "def __init__(self, username: bytes | str, password: bytes | str) -> None:",
        "    password: Optional[SecretStr] = None",
        "    password: Final = urllib.parse.unquote(parsed.password)",
        "username, password = credentials",
        "    :param password: encrypt the private key with this password",
        "        username: Database username\n        password: Database password\n",
        '{"CHALLENGE_PASSWORD": "challengePassword", "client_secret": "oauth_client_secret"}',
        "password = await read_password()",
        # Hashes, vault references, bracketed placeholders, paths, answers and flag help
        "auth_user.password (PBKDF2 hash): pbkdf2_sha256$600000$Q2xY9kP0aZ$c2FsdGVkLWhhc2gtdmFsdWUtaGVyZQ==",
        "password_hash: $2b$12$KIXQJQ0m8yq0h6sY4oZ1vOQ8Yk1X9vXq2m3n4b5v6c7x8z9a0s1d2",
        "DbPassword: '@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/DbPassword/)'",
        'psql "postgresql://postgres:[YOUR-PASSWORD]@db.example.supabase.co:5432/postgres"',
        "sudo: alice : 3 incorrect password attempts ; TTY=pts/0 ; PWD=/home/alice ; USER=root",
        "Access denied for user 'app'@'10.1.2.3' (using password: YES)",
        "  -p, --password string   Password\n      --password-stdin    Take the password from stdin",
        "-P password\n    Remote server password is specified on the command line.",
        "input LoginInput {\n  email: String!\n  password: String!\n}",
        "    password = models.CharField(max_length=128)",
        "    client_secret=SecretStr(client_secret),",
        "env:\n  - name: DB_PASSWORD\n    valueFrom:\n      secretKeyRef: {name: db, key: password}\n",
        # documentation's textbook examples, capitals placeholders and masks
        'engine = create_engine("postgresql+psycopg2://scott:tiger@localhost/test")',
        'url: str = "amqp://guest:guest@localhost:5672/"',
        "gist://username:TOKEN@<gist_id>/file.txt",
        '{"api_key": "sk-1****cdef", "redis_password": "very****pass"}',
    ],
)
def test_look_alikes_are_not_credentials(text: str) -> None:
    assert found(text) == []


@pytest.mark.parametrize(
    ("text", "password"),
    [
        # .pgpass lines (hostname:port:database:username:password): only the last field is the secret
        ("db.internal:5432:orders:app_user:Xq9!vT2mLp", "Xq9!vT2mLp"),
        ("*:*:*:postgres:S3cr3tPassw0rd", "S3cr3tPassw0rd"),
        ("$ cat ~/.pgpass\nlocalhost:*:shop:shop_rw:k7Fq\\:2mZp9\n", "k7Fq\\:2mZp9"),  # an escaped ":" in it
        ("psql still asks for a password with this ~/.pgpass:\n```\n  10.0.0.5:6432:*:app:Rk8$wQ2n\n```", "Rk8$wQ2n"),
        # a user name and a password after a credential word
        ("login: admin / Hunter2024!", "Hunter2024!"),
        ("login: admin / aijrvvYxTfvX", "aijrvvYxTfvX"),  # letters only, few case changes: still generated
        ("db.internal:5432:orders:app_user:ZOfeZfmVodya", "ZOfeZfmVodya"),  # capitalised runs, but "fm" is no word
        ("creds: admin / P@ssw0rd123", "P@ssw0rd123"),
        ("Credentials: deploy@example.com / Zp4-uW9q", "Zp4-uW9q"),
        ("user/pass: jdoe/Xk29!pq", "Xk29!pq"),
        ("Login/Password: ops / Vb8#nQ2w", "Vb8#nQ2w"),
        ("user admin password Tr0ub4dor&3", "Tr0ub4dor&3"),
        ("login root, password Gh7#kLm2 then sudo", "Gh7#kLm2"),
        # values that start with "=" or hold "(" after letters
        ("password: =Wq7mZ2!x", "=Wq7mZ2!x"),
        ('"password": "=Rt5$kLm9"', "=Rt5$kLm9"),
        ("DB_PASSWORD='=Rt5$kLm9'", "=Rt5$kLm9"),
        ('password = "CocdwlGOC(bQNJ4"', "CocdwlGOC(bQNJ4"),
        ("db:\n  password: 'CocdwlGOC(bQNJ4'", "CocdwlGOC(bQNJ4"),
    ],
)
def test_pgpass_lines_login_pairs_and_passwords_that_look_like_operators(text: str, password: str) -> None:
    assert ("PASSWORD", password) in found(text)


@pytest.mark.parametrize(
    ("text", "password"),
    [
        ("user: dbadmin\npass: dCVb8X6n9(2", "dCVb8X6n9(2"),
        ("Para entrar al servidor usa appuser / O!-b0nRhHlVk5 (contraseña nueva)", "O!-b0nRhHlVk5"),
        ("Test accounts (staging):\n- customer: ana@vandelay.io / x8ryf)+03HzLk\n- agent: nagios / RtxG%NU.r5BQ)@4",
         "RtxG%NU.r5BQ)@4"),
        ("user confirmed credentials over the phone ( ubuntu / O773rsp1n4ch_8 ), escalating", "O773rsp1n4ch_8"),
        ('variable "db_password" {\n  description = "Master password"\n  default     = "Qazwsx*3849"\n}',
         "Qazwsx*3849"),
        ('set system login user ops authentication plain-text-password-value "Ajax$2011"', "Ajax$2011"),
        ('echo "db.staging.hooli.xyz:5432:*:webapp:November-96" >> ~/.pgpass', "November-96"),
        ("cy.get('input[name=password]').type('6/PY~xhkWWfC/PQ7R')", "6/PY~xhkWWfC/PQ7R"),
        ('driver.find_element(By.ID, "password").send_keys("Hx7!pq2Lm")', "Hx7!pq2Lm"),
        ("iDRAC on bmc-04 still has root / 6@.Du4E4q#A(M^ - someone should change that", "6@.Du4E4q#A(M^"),
        ("3. Log into the admin panel with `admin` / `FKk4%ZwSEw7E??SH2`", "FKk4%ZwSEw7E??SH2"),
        ("The mailbox can now be accessed with the password below:\n\n    iLoveGinger04@\n\nDo not forward.",
         "iLoveGinger04@"),
        ("echo 'Dragon Kettle 8862#' | sudo openconnect --user=web --passwd-on-stdin vpn.globex.net",
         "Dragon Kettle 8862#"),
        ('echo -e "potato-silver-orchid-3728\\npotato-silver-orchid-3728" | passwd app', "potato-silver-orchid-3728"),
        ('echo "Xk9!pQ2m#z" | docker login -u ci --password-stdin registry.example.com', "Xk9!pQ2m#z"),
        ('sql.Open("mysql", "reporting:meadow-lobster-8088#@tcp(db:3306)/billing")', "meadow-lobster-8088#"),
        ("# /etc/postfix/sasl_passwd\n[smtp.globex.net]:587 greta@globex.net:Poiuyt@3036\n", "Poiuyt@3036"),
        ("Net::FTP.open('files.globex.net', 'webapp', 'H6VM%J6-W6eOdjIrof') do |ftp|", "H6VM%J6-W6eOdjIrof"),
        ("ftp = FTP('ftp.example.net', 'anna', 'Qm4!zR8tW2')", "Qm4!zR8tW2"),
    ],
)
def test_passwords_after_a_user_line_a_bare_user_name_or_in_tool_configs(text: str, password: str) -> None:
    assert ("PASSWORD", password) in found(text)


def test_a_password_echoed_twice_into_passwd_is_found_twice() -> None:
    text = 'echo -e "potato-silver-orchid-3728\\npotato-silver-orchid-3728" | sudo passwd app'
    assert [v for k, v in found(text) if k == "PASSWORD"] == ["potato-silver-orchid-3728"] * 2


@pytest.mark.parametrize(
    "text",
    [
        "PASS: tests/test_login.py\nuser: bob\npass: yes",  # test output; "yes" is no password
        "log in and compare main / feature/ABC-1234",  # a branch, not a password
        "user guide for the server / v2.1.0-Beta",  # a version
        "Revenue Q3 / FY2024-25! in the report",  # no word of logging in near it
        "the accounts team / Finance-Ops",  # three kinds of character only
        'variable "db_password" {\n  default = "<set-me>"\n}',
        'echo "$CI_REGISTRY_PASSWORD" | docker login -u ci --password-stdin',  # a variable, not its value
        "echo 'Dragon Kettle 8862#' | tee notes.txt",  # not read as a password by anything
        'dsn := fmt.Sprintf("%s:%s@tcp(%s)/%s", user, pass, host, db)',
        "The password is below:\nReset it via the portal first.",
        "root / v2.1.0-Beta",  # a version after a well-known user name
        "rerankers (e.g. hosted vLLM / Qwen3-Reranker) fold it into the prompt",  # a model's name
        "admin / Llama-3.1-8B-Instruct",
    ],
)
def test_pairs_and_configs_without_a_password_are_not_flagged(text: str) -> None:
    assert [f for f in found(text) if f[0] == "PASSWORD"] == []


def test_a_user_name_and_password_pair_flags_the_password_not_the_user_name() -> None:
    assert found("username/password: jdoe / Xk29!pq") == [("PASSWORD", "Xk29!pq")]


@pytest.mark.parametrize(
    "text",
    [
        # colon-separated text that is not a .pgpass line: times, addresses, logs, /etc/passwd and /etc/shadow
        "the job ran at 12:30:45 and 10:00:00:WARN:Worker42X",
        "ping fe80::1:2:3:4 and 2001:db8:85a3:0:0:8a2e:370:7334",
        "2024-01-01 10:00:00:INFO:app:started",
        "root:x:0:0:root:/root:/bin/bash",
        "root:$6$Xy7.qA2$Vb9kLm3nP0qRsT1uW4xYz:19000:0:99999:7:::",
        "aa:bb:cc:dd:ee:ff and 00:1a:2b:3c:4d:5e",
        "src/app.py:12:5: E501 line too long",
        "hostname:port:database:username:password",
        "localhost:5432:*:postgres:postgres",  # a plain word: nothing but its place says it is a password
        "HGETALL user:1000:profile:settings:theme",
        # a credential word followed by something other than a user name and a password
        "login: admin / dashboard",
        "Login / Register",
        "login: username / password",
        "login: <user> / <password>",
        "credentials: ~/.aws/credentials",
        "creds: config/Secrets_v2.yaml",
        "login: 10/12/2024",
        "the user admin password reset link",
        "login page / Register2FA page",
        # a comparison or Go's ":=", and calls, are code
        "if password==userInput42 {",
        "password:=userInput42",
        "if token==expectedToken1234abcd:",
        "password=getpass(",
        "password = CocdwlGOC(bQNJ4",  # unquoted: a call, as far as a pattern can tell
        "password: =SUM(A1:B2)",  # a spreadsheet formula
        "password: =$DB_PASSWORD",
    ],
)
def test_colon_separated_text_login_words_and_comparisons_are_not_credentials(text: str) -> None:
    assert found(text) == []


@pytest.mark.parametrize("name", sorted(CREDS))
def test_a_credential_glued_to_chinese_text_is_found(name: str) -> None:
    # Unicode \b sees no boundary between CJK characters and a key: "我的密钥是AKIA...。" was missed.
    value, entity = CREDS[name]
    assert (entity, value) in found(f"我的密钥是{value}。谢谢")


@pytest.mark.parametrize("value", ["xapp-1-A0123456789-5255075214119-abcdef0123456789",
                                   "xoxe-1-My0xLTEtMTIzNDU2Nzg5MDEtNDU2Nzg5",
                                   "https://hooks.slack.com/services/T0123ABCD/B0123ABCD/abcdefghijklmnopqrstuvwx"])
def test_slack_app_tokens_refresh_tokens_and_webhooks_are_keys(value: str) -> None:
    assert ("API_KEY", value) in found(f"slack: {value} ok")


def test_http_basic_authorization_is_a_password() -> None:
    blob = base64.b64encode(f"deploy:{rand(14)}".encode()).decode()
    assert ("PASSWORD", blob) in found(f"curl -H 'Authorization: Basic {blob}' https://api.example.com")


@pytest.mark.parametrize(
    "template",
    [
        "OPENAI_API_KEY={v}",
        'headers = {{"x-api-key": "{v}"}}',
        "SECRET_KEY = '{v}'",
        'const apiKey = "{v}";',
        "https://example.com/cb#access_token={v}&expires_in=3600",
        "refresh_token: {v}",
        "-H 'Authorization: Bearer {v}'",
    ],
)
def test_generated_tokens_given_to_key_like_names_are_keys(template: str) -> None:
    value = rand(32, ALNUM + "_-")
    assert ("API_KEY", value) in found(template.format(v=value))


@pytest.mark.parametrize(
    ("prefix", "alphabet", "length"),
    [("hf_", ALNUM, 34), ("npm_", ALNUM, 36), ("gsk_", ALNUM, 52), ("sk-or-v1-", "0123456789abcdef", 64),
     ("dop_v1_", "0123456789abcdef", 64), ("shpat_", "0123456789abcdef", 32), ("lin_api_", ALNUM, 40),
     ("r8_", ALNUM, 37), ("dapi", "0123456789abcdef", 32), ("GOCSPX-", ALNUM, 28), ("key-", "0123456789abcdef", 32),
     ("sk-", "0123456789abcdef", 32)],  # the last: an OpenAI-compatible provider's lower-case hex key (DeepSeek)
)
def test_other_providers_prefixed_keys_are_found_in_prose(prefix: str, alphabet: str, length: int) -> None:
    value = prefix + rand(length, alphabet)
    assert ("API_KEY", value) in found(f"my key {value} returns 401, why?")


def test_sendgrid_telegram_and_azure_storage_keys() -> None:
    sendgrid = "SG." + rand(22, ALNUM + "_-") + "." + rand(43, ALNUM + "_-")
    telegram = rand(10, "123456789") + ":AA" + rand(33, ALNUM + "_-")
    azure = rand(86, ALNUM + "+/") + "=="
    assert ("API_KEY", sendgrid) in found(f"SENDGRID={sendgrid}")
    assert ("API_KEY", telegram) in found(f"bot token {telegram}")
    assert ("API_KEY", azure) in found(f"DefaultEndpointsProtocol=https;AccountName=acme;AccountKey={azure};")


@pytest.mark.parametrize(
    "template",
    ["here is my key {v} why does it return 401?", "mytool deploy --api-key {v} --region eu",
     "Authorization: Token {v}", "key:{v}", "my datadog key is {v}, is it still valid?",
     '{{"cohereApiKey": "{v}"}}', 'os.environ.setdefault("AZURE_OPENAI_API_KEY", "{v}")',
     "aws configure set aws_secret_access_key {v}"],
)
def test_keys_stated_next_to_the_word_key_or_token(template: str) -> None:
    value = rand(40, ALNUM)
    assert ("API_KEY", value) in found(template.format(v=value))


def test_a_stripe_publishable_key_is_public() -> None:
    assert found("STRIPE_PUBLISHABLE_KEY=pk_" + "live_" + rand(24)) == []


def test_docker_config_auth_is_a_password() -> None:
    blob = base64.b64encode(f"deploy:{rand(14)}".encode()).decode()
    assert ("PASSWORD", blob) in found('{"auths": {"registry.example.com": {"auth": "' + blob + '"}}}')


@pytest.mark.parametrize(
    "piece",
    ['name="password">', "<password>", "password=", "password: x ", "key ", "token:a1", "sshpass -p ", "api_key=a=",
     "dbPassword", "PGPASSWORD", "define('DB_PASSWORD', ", 'key="pwd" value=', "a:1:b:c:", "\n*:1:b:c:Xk9!pQ2m:",
     "login: a / ", "creds ", "user a password ", "user a ", "password==", "password: =x ", "login(", "connect('a', ",
     "auth=('a', ", "'password', ", "mongo -p ", "ldapsearch ", "htpasswd -b ", "net use ", "IDENTIFIED BY ",
     "SET PASSWORD ", "secret 0 ", "password ", "AUTH ", "the password of my ", "contraseña ", "a:b | chpasswd",
     "smbclient ", "lftp -u a,", "Passwort ist ", "login a / Xk9!pQ2m#z ", "user: a\npass: ", "password').type(",
     'variable "db_password" { default = ', "password below:\n", "echo 'abcd' | ", "a:bcde@tcp(", "[a]:1 b@c:",
     "root / "],
)
def test_crafted_repetitions_take_linear_time(piece: str) -> None:
    # 100,000 characters of one pattern's start: a pattern that reads to the end of the text from every start took
    # 6.4 s on 'name="password">' (each of these now takes ~0.01-0.3 s on a slow core).
    text = piece * (100_000 // len(piece))
    t0 = time.perf_counter()
    REC.analyze(text, entities=[])
    assert time.perf_counter() - t0 < 3.0


def test_a_hugging_face_token_of_letters_only_is_a_key() -> None:
    # Their tokens are "hf_" and 34 letters: requiring a digit missed nearly all of them outside an assignment.
    token = "hf_" + rand(34, string.ascii_letters)
    assert ("API_KEY", token) in found(f"run huggingface-cli login with {token} please")
    assert found("run huggingface-cli login with hf_" + "x" * 34) == []


def test_cells_of_a_password_column_are_passwords() -> None:
    table = ("| System | Username | Password |\n|---|---|---|\n| Jenkins | m.rossi | potato.sunset.294.honey |\n"
             "| Grafana | admin | gMvdLDnFiv=%6Yf5 |\n")
    csv = "email,initial password,team\nana@example.org,Qv7!mR2p,ops\nbo@example.org,Lk9#tZ4w,dev\n"
    assert {v for _, v in found(table)} == {"potato.sunset.294.honey", "gMvdLDnFiv=%6Yf5"}
    assert {v for _, v in found(csv)} == {"Qv7!mR2p", "Lk9#tZ4w"}


def test_a_password_column_headed_in_another_language_is_read_whole() -> None:
    # The header's words are read as letters of any script: "Contraseña" is one word, not "contrase" and "a".
    table = "Usuario;Contraseña\nlmartin;Vr5#kq8Tz\nacosta;Hn2!wd7Lp\n"
    assert {v for _, v in found(table)} == {"Vr5#kq8Tz", "Hn2!wd7Lp"}


def test_a_password_column_of_masks_or_a_column_about_passwords_holds_none() -> None:
    masked = "user,password\nana,********\nbo,n/a\ncy,[REDACTED]\n"
    policy = "| System | Password policy |\n|---|---|\n| Jenkins | 12 chars min |\n| Grafana | SSO only |\n"
    assert found(masked) == [] and found(policy) == []
