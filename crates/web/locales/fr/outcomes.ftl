# Issue du parcours, tableaux croisés et tendances (issue 19 §1–2).
periodic-dim-change = Évolution de la situation de l'enfant
periodic-dim-closure-outcome = Issue du parcours
periodic-dim-risk-at-opening = Risque à la première évaluation
periodic-dim-risk-at-closure = Risque à la clôture
periodic-dim-reentry = Nouveau signalement dans les 12 mois
stats-reentry-reentered = Nouveau signalement dans les 12 mois
stats-reentry-not-reentered = Pas de nouveau signalement
stats-three-dimensions = Ventilez selon trois dimensions propres à l'indicateur au plus (par exemple sexe, tranche d'âge et forme de violence). Retirez-en une de « by » et recommencez.
stats-bad-compare = « compare » n'accepte que « previous_year ». Retirez-le ou écrivez compare=previous_year.
stats-trend-section = Tendance par rapport aux mêmes mois de l'an dernier
stats-trend-lead = Chaque mois à côté du même mois un an plus tôt. Une variation en pourcentage n'est pas lue comme une tendance quand l'un des deux effectifs est inférieur à 20.
stats-trend-title = par rapport à l'an dernier
stats-trend-now = Cette période
stats-trend-before = Mêmes mois l'an dernier
stats-trend-change = Variation (%)
stats-trend-note = Remarque
stats-trend-too-small = Trop peu pour conclure
stats-trend-definition = Variation = (cette période − an dernier) ÷ an dernier × 100. Un effectif inférieur à 20 d'un côté ou de l'autre est trop petit pour lire une variation.
stats-table-title = Tableau croisé
stats-table-back = Retour au tableau de bord
stats-table-dimension = Dimension
