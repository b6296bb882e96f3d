//! The small boolean expressions of two Argo fields: a DAG task's `depends`
//! (`a && (b.Failed || !c.Skipped)`) and a `retryStrategy.expression`
//! (`asInt(lastRetry.exitCode) == 1 || asInt(lastRetry.exitCode) == 4`).
//!
//! Argo evaluates both with the `expr` language; this is the part of it those fields use:
//! `||`, `&&`, `!`, parentheses, comparisons (`==`, `!=`, `<`, `<=`, `>`, `>=`), integers,
//! double-quoted strings, `true`/`false`, `asInt(...)`, and names. Names may hold `-` and `.`
//! (`numbers-up-to.Succeeded`): Argo rewrites `-` to `_` before it evaluates, and neither field
//! uses arithmetic, so `-` is read as part of a name. Anything else is a parse error, so that a
//! generator using more of the language finds out here.

/// A parsed expression.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Expr {
    Or(Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Compare(Box<Expr>, Cmp, Box<Expr>),
    AsInt(Box<Expr>),
    Name(String),
    Int(i64),
    Str(String),
    Bool(bool),
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// A value an expression computes.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Val {
    Bool(bool),
    Int(i64),
    Str(String),
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Or,
    And,
    Not,
    Open,
    Close,
    Cmp(Cmp),
    Name(String),
    Int(i64),
    Str(String),
}

fn tokens(text: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let name_char = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.';
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let (token, width) = match (c, next) {
            (' ' | '\t' | '\n', _) => {
                i += 1;
                continue;
            }
            ('|', Some('|')) => (Token::Or, 2),
            ('&', Some('&')) => (Token::And, 2),
            ('=', Some('=')) => (Token::Cmp(Cmp::Eq), 2),
            ('!', Some('=')) => (Token::Cmp(Cmp::Ne), 2),
            ('<', Some('=')) => (Token::Cmp(Cmp::Le), 2),
            ('>', Some('=')) => (Token::Cmp(Cmp::Ge), 2),
            ('<', _) => (Token::Cmp(Cmp::Lt), 1),
            ('>', _) => (Token::Cmp(Cmp::Gt), 1),
            ('!', _) => (Token::Not, 1),
            ('(', _) => (Token::Open, 1),
            (')', _) => (Token::Close, 1),
            ('"', _) => {
                let end = chars[i + 1..]
                    .iter()
                    .position(|&c| c == '"')
                    .ok_or_else(|| format!("unclosed string in `{text}`"))?;
                (Token::Str(chars[i + 1..i + 1 + end].iter().collect()), end + 2)
            }
            (c, _) if c.is_ascii_digit() => {
                let len = chars[i..].iter().take_while(|c| c.is_ascii_digit()).count();
                let digits: String = chars[i..i + len].iter().collect();
                if chars.get(i + len).is_some_and(|&c| name_char(c)) {
                    return Err(format!("`{digits}...` in `{text}`: a name cannot start with a digit here"));
                }
                (Token::Int(digits.parse().map_err(|e| format!("`{digits}` in `{text}`: {e}"))?), len)
            }
            (c, _) if name_char(c) => {
                let len = chars[i..].iter().take_while(|&&c| name_char(c)).count();
                (Token::Name(chars[i..i + len].iter().collect()), len)
            }
            (c, _) => return Err(format!("unexpected `{c}` in `{text}`")),
        };
        out.push(token);
        i += width;
    }
    Ok(out)
}

struct Parser<'a> {
    tokens: Vec<Token>,
    at: usize,
    text: &'a str,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn eat(&mut self, token: &Token) -> bool {
        let found = self.peek() == Some(token);
        if found {
            self.at += 1;
        }
        found
    }

    fn or(&mut self) -> Result<Expr, String> {
        let mut left = self.and()?;
        while self.eat(&Token::Or) {
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut left = self.unary()?;
        while self.eat(&Token::And) {
            left = Expr::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, String> {
        if self.eat(&Token::Not) {
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        let left = self.atom()?;
        if let Some(&Token::Cmp(cmp)) = self.peek() {
            self.at += 1;
            return Ok(Expr::Compare(Box::new(left), cmp, Box::new(self.atom()?)));
        }
        Ok(left)
    }

    fn atom(&mut self) -> Result<Expr, String> {
        let token = self.peek().cloned().ok_or_else(|| format!("`{}` ends too early", self.text))?;
        self.at += 1;
        match token {
            Token::Open => {
                let inner = self.or()?;
                if !self.eat(&Token::Close) {
                    return Err(format!("missing `)` in `{}`", self.text));
                }
                Ok(inner)
            }
            Token::Int(n) => Ok(Expr::Int(n)),
            Token::Str(s) => Ok(Expr::Str(s)),
            Token::Name(name) if name == "true" || name == "false" => Ok(Expr::Bool(name == "true")),
            Token::Name(name) if self.peek() == Some(&Token::Open) => {
                if name != "asInt" {
                    return Err(format!("function `{name}` in `{}`: the simulator knows only `asInt`", self.text));
                }
                self.at += 1;
                let inner = self.or()?;
                if !self.eat(&Token::Close) {
                    return Err(format!("missing `)` in `{}`", self.text));
                }
                Ok(Expr::AsInt(Box::new(inner)))
            }
            Token::Name(name) => Ok(Expr::Name(name)),
            other => Err(format!("unexpected {other:?} in `{}`", self.text)),
        }
    }
}

/// Parses `text`.
pub(super) fn parse(text: &str) -> Result<Expr, String> {
    let mut parser = Parser { tokens: tokens(text)?, at: 0, text };
    if parser.tokens.is_empty() {
        return Err("empty expression".to_string());
    }
    let expr = parser.or()?;
    if parser.at != parser.tokens.len() {
        return Err(format!("unexpected {:?} in `{text}`", parser.tokens[parser.at]));
    }
    Ok(expr)
}

impl Expr {
    /// The names it reads, in order, each once.
    pub(super) fn names(&self) -> Vec<&str> {
        let mut names = Vec::new();
        self.collect(&mut names);
        names
    }

    fn collect<'a>(&'a self, names: &mut Vec<&'a str>) {
        match self {
            Expr::Or(a, b) | Expr::And(a, b) | Expr::Compare(a, _, b) => {
                a.collect(names);
                b.collect(names);
            }
            Expr::Not(a) | Expr::AsInt(a) => a.collect(names),
            Expr::Name(name) if !names.contains(&name.as_str()) => names.push(name),
            _ => {}
        }
    }

    /// Its value, with `lookup` giving each name's.
    pub(super) fn eval(&self, lookup: &dyn Fn(&str) -> Result<Val, String>) -> Result<Val, String> {
        let boolean = |expr: &Expr| match expr.eval(lookup)? {
            Val::Bool(b) => Ok(b),
            other => Err(format!("{other:?} is not a boolean")),
        };
        Ok(match self {
            // Short-circuit, as `expr` does.
            Expr::Or(a, b) => Val::Bool(boolean(a)? || boolean(b)?),
            Expr::And(a, b) => Val::Bool(boolean(a)? && boolean(b)?),
            Expr::Not(a) => Val::Bool(!boolean(a)?),
            Expr::AsInt(a) => match a.eval(lookup)? {
                Val::Int(n) => Val::Int(n),
                Val::Str(s) => Val::Int(s.trim().parse().map_err(|e| format!("asInt({s:?}): {e}"))?),
                Val::Bool(b) => return Err(format!("asInt({b})")),
            },
            Expr::Compare(a, cmp, b) => {
                let (a, b) = (a.eval(lookup)?, b.eval(lookup)?);
                let order = match (&a, &b) {
                    (Val::Int(x), Val::Int(y)) => x.cmp(y),
                    (Val::Str(x), Val::Str(y)) => x.cmp(y),
                    (Val::Bool(x), Val::Bool(y)) if matches!(cmp, Cmp::Eq | Cmp::Ne) => x.cmp(y),
                    _ => return Err(format!("cannot compare {a:?} with {b:?}")),
                };
                Val::Bool(match cmp {
                    Cmp::Eq => order.is_eq(),
                    Cmp::Ne => order.is_ne(),
                    Cmp::Lt => order.is_lt(),
                    Cmp::Le => order.is_le(),
                    Cmp::Gt => order.is_gt(),
                    Cmp::Ge => order.is_ge(),
                })
            }
            Expr::Name(name) => lookup(name)?,
            Expr::Int(n) => Val::Int(*n),
            Expr::Str(s) => Val::Str(s.clone()),
            Expr::Bool(b) => Val::Bool(*b),
        })
    }
}

#[test]
fn depends_and_retry_expressions_parse_and_evaluate() {
    let depends = parse("numbers-up-to && (b.Failed || !c.Skipped)").unwrap();
    assert_eq!(depends.names(), ["numbers-up-to", "b.Failed", "c.Skipped"]);
    let truth = |on: &'static [&'static str]| move |name: &str| Ok(Val::Bool(on.contains(&name)));
    assert_eq!(depends.eval(&truth(&["numbers-up-to", "b.Failed", "c.Skipped"])), Ok(Val::Bool(true)));
    assert_eq!(depends.eval(&truth(&["numbers-up-to", "c.Skipped"])), Ok(Val::Bool(false)));
    assert_eq!(depends.eval(&truth(&["b.Failed"])), Ok(Val::Bool(false)));

    let retry = parse("asInt(lastRetry.exitCode) == 1 || asInt(lastRetry.exitCode) == 4").unwrap();
    let exit = |code: &'static str| {
        move |name: &str| match name {
            "lastRetry.exitCode" => Ok(Val::Str(code.to_string())),
            other => Err(format!("unknown {other}")),
        }
    };
    assert_eq!(retry.eval(&exit("4")), Ok(Val::Bool(true)));
    assert_eq!(retry.eval(&exit("3")), Ok(Val::Bool(false)));
    let status = parse(r#"lastRetry.status != "Error" && asInt(lastRetry.exitCode) >= 1"#).unwrap();
    let lookup = |name: &str| match name {
        "lastRetry.status" => Ok(Val::Str("Failed".into())),
        _ => Ok(Val::Str("2".into())),
    };
    assert_eq!(status.eval(&lookup), Ok(Val::Bool(true)));

    for bad in ["", "a &&", "(a", "a b", "a + 1", "len(a)", "a & b", "1a"] {
        assert!(parse(bad).is_err(), "{bad:?} parsed");
    }
}
