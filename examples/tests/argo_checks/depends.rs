//! The grammar of a DAG task's `depends`: task names, each with an optional result
//! (`a.Succeeded`), joined by `&&`, `||`, `!` and parentheses. Parsed rather than split on
//! operators so that a malformed expression (`a &&`, `(a`) is an error of its own instead of
//! a wrong list of names.

/// One task named in a `depends` expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct DependsRef<'a> {
    pub(super) task: &'a str,
    /// The `.Result` suffix, without the dot.
    pub(super) result: Option<&'a str>,
}

/// The task results Argo accepts after a name (`common.ValidateTaskResults`).
pub(super) const RESULTS: [&str; 8] =
    ["Succeeded", "Failed", "Errored", "Skipped", "Omitted", "Daemoned", "AnySucceeded", "AllFailed"];

/// The results that count over a task's items, so need a task that has items.
pub(super) const ITEM_RESULTS: [&str; 2] = ["AnySucceeded", "AllFailed"];

/// Parentheses deeper than this are refused rather than risking the stack on hostile input; a
/// generated expression never nests.
const MAX_DEPTH: usize = 64;

/// The names in `expression`, in order, or what is wrong with it.
pub(super) fn parse(expression: &str) -> Result<Vec<DependsRef<'_>>, String> {
    let tokens = tokenize(expression)?;
    let mut parser = Parser { tokens: &tokens, at: 0, refs: Vec::new() };
    parser.or(0)?;
    match parser.tokens.get(parser.at) {
        None => Ok(parser.refs),
        Some(token) => Err(format!("unexpected {}", token.describe())),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token<'a> {
    And,
    Or,
    Not,
    Open,
    Close,
    Name(DependsRef<'a>),
}

impl Token<'_> {
    fn describe(&self) -> String {
        match self {
            Token::And => "'&&'".to_owned(),
            Token::Or => "'||'".to_owned(),
            Token::Not => "'!'".to_owned(),
            Token::Open => "'('".to_owned(),
            Token::Close => "')'".to_owned(),
            Token::Name(r) => format!("task name {:?}", r.task),
        }
    }
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

fn tokenize(expression: &str) -> Result<Vec<Token<'_>>, String> {
    let mut tokens = Vec::new();
    let mut rest = expression;
    while let Some(c) = rest.chars().next() {
        let (token, len) = if c.is_whitespace() {
            rest = &rest[c.len_utf8()..];
            continue;
        } else if rest.starts_with("&&") {
            (Token::And, 2)
        } else if rest.starts_with("||") {
            (Token::Or, 2)
        } else if c == '!' {
            (Token::Not, 1)
        } else if c == '(' {
            (Token::Open, 1)
        } else if c == ')' {
            (Token::Close, 1)
        } else if is_name_char(c) {
            let name_len = rest.find(|c: char| !is_name_char(c)).unwrap_or(rest.len());
            let task = &rest[..name_len];
            let after = &rest[name_len..];
            match after.strip_prefix('.') {
                Some(suffix) => {
                    let result_len = suffix.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(suffix.len());
                    let result = &suffix[..result_len];
                    if !RESULTS.contains(&result) {
                        return Err(format!("task result {result:?} of {task:?} is not one of {}", RESULTS.join(", ")));
                    }
                    (Token::Name(DependsRef { task, result: Some(result) }), name_len + 1 + result_len)
                }
                None => (Token::Name(DependsRef { task, result: None }), name_len),
            }
        } else {
            return Err(format!("unexpected character {c:?}"));
        };
        tokens.push(token);
        rest = &rest[len..];
    }
    Ok(tokens)
}

struct Parser<'t, 'a> {
    tokens: &'t [Token<'a>],
    at: usize,
    refs: Vec<DependsRef<'a>>,
}

impl<'a> Parser<'_, 'a> {
    fn or(&mut self, depth: usize) -> Result<(), String> {
        self.and(depth)?;
        while self.eat(Token::Or) {
            self.and(depth)?;
        }
        Ok(())
    }

    fn and(&mut self, depth: usize) -> Result<(), String> {
        self.unary(depth)?;
        while self.eat(Token::And) {
            self.unary(depth)?;
        }
        Ok(())
    }

    fn unary(&mut self, depth: usize) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err(format!("it nests deeper than {MAX_DEPTH}"));
        }
        match self.tokens.get(self.at).copied() {
            Some(Token::Not) => {
                self.at += 1;
                self.unary(depth + 1)
            }
            Some(Token::Open) => {
                self.at += 1;
                self.or(depth + 1)?;
                if self.eat(Token::Close) {
                    Ok(())
                } else {
                    Err("unclosed '('".to_owned())
                }
            }
            Some(Token::Name(name)) => {
                self.at += 1;
                self.refs.push(name);
                Ok(())
            }
            Some(token) => Err(format!("expected a task name, found {}", token.describe())),
            None => Err("it ends where a task name is expected".to_owned()),
        }
    }

    fn eat(&mut self, token: Token<'a>) -> bool {
        let found = self.tokens.get(self.at) == Some(&token);
        if found {
            self.at += 1;
        }
        found
    }
}
